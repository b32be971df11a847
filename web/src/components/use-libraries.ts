import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { LibraryRole } from '../api/types';

/** What the jobs pages need of a library: its id, its name, the caller's right on it. */
export interface LibrarySummary {
  libraryId: string;
  name: string;
  currentUserRight: LibraryRole | string;
}

interface LibraryListPage {
  libraries: LibrarySummary[];
  nextCursor: string | null;
}

/** At most this many pages of 1,000 are read for names (past that, a library is named by its id). */
const MAX_PAGES = 20;
const TTL_MS = 60_000;

let cached: { at: number; promise: Promise<LibrarySummary[]> } | null = null;

async function loadAll(): Promise<LibrarySummary[]> {
  const all: LibrarySummary[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer: LibraryListPage = await api<LibraryListPage>('/libraries', { query: { limit: 1000, cursor } });
    for (const l of answer.libraries) all.push({ libraryId: l.libraryId, name: l.name, currentUserRight: l.currentUserRight });
    cursor = answer.nextCursor;
    if (cursor === null) break;
  }
  return all;
}

/** The libraries the caller may find, read once a minute at most and shared by every page. */
export function loadLibraries(): Promise<LibrarySummary[]> {
  if (cached === null || Date.now() - cached.at > TTL_MS) {
    const promise = loadAll();
    cached = { at: Date.now(), promise };
    promise.catch(() => {
      if (cached?.promise === promise) cached = null;
    });
  }
  return cached.promise;
}

export function useLibraries(): { libraries: LibrarySummary[] | undefined; error: unknown } {
  const [libraries, setLibraries] = useState<LibrarySummary[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    loadLibraries().then(
      (list) => live && setLibraries(list),
      (caught: unknown) => live && setError(caught),
    );
    return () => {
      live = false;
    };
  }, []);
  return { libraries, error };
}

export function libraryName(libraries: readonly LibrarySummary[] | undefined, id: string): string {
  return libraries?.find((l) => l.libraryId === id)?.name ?? id;
}
