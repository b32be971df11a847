/**
 * What an extract job's tasks carry (JSON in the task payload and in failure
 * records, so a retry replays them as they were planned).
 */
import type { ArchiveFormat, EntryLocator } from '../archives/index.js';

/** Shared by a task's entries: the archive's bytes (by content address, so a retry reads the same archive). */
export interface ExtractContext {
  sha256: string;
  size: number;
  format: ArchiveFormat;
}

/** An entry to unpack. */
export interface PlannedEntry {
  /** Position in the archive. */
  i: number;
  /** The entry's name as stored. */
  name: string;
  /** Where it goes in the library. */
  path: string;
  kind: 'file' | 'folder';
  size: number;
  /** Modification time recorded in the archive (ms), if any. */
  mtime: number | null;
  /** zip, tar: where its bytes are (read by the task). */
  loc?: EntryLocator;
  /** tar.gz: its bytes, stored by the planner's one pass. */
  sha256?: string;
}

/** An entry refused while planning (unsafe, link, duplicate, …); a retry refuses it again. */
export interface RefusedEntry {
  i: number;
  name: string;
  path?: string;
  code: string;
  message: string;
}

/** The archive as a whole could not be unpacked (not an archive, corrupt, over a limit, missing). */
export interface ArchiveRefusal {
  archive: string;
  code: string;
  message: string;
}

export type ExtractEntry = PlannedEntry | RefusedEntry | ArchiveRefusal;

export function isPlanned(entry: ExtractEntry): entry is PlannedEntry {
  return 'kind' in entry;
}

export function isArchiveRefusal(entry: ExtractEntry): entry is ArchiveRefusal {
  return 'archive' in entry;
}

/** Bytes a task of a randomly readable archive (zip, tar) reads at most, besides its entry count. */
export const TASK_BYTES = 256 * 1024 * 1024;
