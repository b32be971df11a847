/**
 * A keyset-paged listing held as one growing array: the first page on load,
 * the next one when the view asks (`loadMore`, as the reader scrolls near the
 * end). A folder of 100,000 items is read a page at a time, never at once.
 * Any `{items, nextCursor}` listing (a folder, the trash, a snapshot's folder,
 * the snapshots themselves) pages this way.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Item } from './library-api';

export interface ItemPages<T = Item> {
  items: T[];
  /** false once the last page is in */
  hasMore: boolean;
  loading: boolean;
  error: unknown;
  loadMore(): void;
  reload(): void;
}

/** `fetchPage(cursor, signal)` reads one page; a change of `key` starts over. */
export function useItemPages<T = Item>(key: string, fetchPage: (cursor: string | null, signal: AbortSignal) => Promise<{ items: T[]; nextCursor: string | null }>): ItemPages<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(true);
  // The first page is asked for at once (the effect below): loading, not empty, until it answers.
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);
  const inFlight = useRef<AbortController | null>(null);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const load = useCallback((from: string | null, replace: boolean) => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    setLoading(true);
    fetchRef
      .current(from, controller.signal)
      .then((page) => {
        if (controller.signal.aborted) return;
        setItems((previous) => (replace ? page.items : [...previous, ...page.items]));
        setCursor(page.nextCursor);
        setHasMore(page.nextCursor !== null);
        setError(null);
      })
      .catch((caught: unknown) => {
        if (!controller.signal.aborted) setError(caught);
      })
      .finally(() => {
        if (inFlight.current === controller) {
          inFlight.current = null;
          setLoading(false);
        }
      });
  }, []);

  useEffect(() => {
    setItems([]);
    setCursor(null);
    setHasMore(true);
    load(null, true);
    return () => inFlight.current?.abort();
  }, [key, generation, load]);

  const loadMore = useCallback(() => {
    if (inFlight.current === null && hasMore && cursor !== null) load(cursor, false);
  }, [cursor, hasMore, load]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { items, hasMore, loading, error, loadMore, reload };
}
