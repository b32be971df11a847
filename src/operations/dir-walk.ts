/**
 * A directory tree walked in a fixed order, a bounded step at a time, from a
 * small saved cursor: depth first, each directory's entries sorted by name
 * (code unit order), a directory handed out before its contents. Nothing is
 * read recursively into memory: each open directory keeps a window of at most
 * WINDOW names after the last one taken, refilled by streaming the directory
 * again (a directory of N entries costs ⌈N / WINDOW⌉ scans), so a walk of a
 * 10M-file tree holds about depth × WINDOW names.
 *
 * The cursor is the path of the last entry handed out (and whether the walk
 * went into it): after a crash the walk resumes right after it. Entries are
 * classified with lstat, never followed: a symbolic link is handed out as a
 * `link` (the import records it as a per-item failure), as are FIFOs,
 * sockets and devices (`special`).
 */
import fs from 'node:fs';
import path from 'node:path';

/** Names kept per open directory between scans. */
export const WINDOW = 20_000;

export type WalkKind = 'file' | 'folder' | 'link' | 'special';

export interface WalkEntry {
  /** Path relative to the walked directory, segments joined by '/'. */
  rel: string;
  kind: WalkKind;
  /** Bytes (files; 0 otherwise). */
  size: number;
}

export interface WalkCursor {
  /** Segments of the last entry handed out. */
  last: string[];
  /** The last entry is a directory whose contents come next. */
  inside: boolean;
}

interface Frame {
  /** Segments of this directory under the walked one. */
  dir: string[];
  /** The last name taken from it (entries after it come next). */
  after: string | null;
  /** Sorted names after `after`, at most WINDOW. */
  window: string[];
  /** The window holds every remaining name (no rescan needed once it empties). */
  complete: boolean;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The sorted names of `dir` after `after`, at most `limit`, streaming the directory (memory ≤ 2 × limit names). */
function namesAfter(dir: string, after: string | null, limit: number): { names: string[]; complete: boolean } {
  let kept: string[] = [];
  let overflow = false;
  // Synchronous: the thread pool is busy with the import's fsyncs, behind which an
  // asynchronous read of each folder waited (planning took seconds per 5,000 entries).
  const handle = fs.opendirSync(dir, { bufferSize: 256 });
  try {
    for (let dirent = handle.readSync(); dirent !== null; dirent = handle.readSync()) {
      const name = dirent.name;
      if (after !== null && name <= after) continue;
      kept.push(name);
      if (kept.length >= 2 * limit) {
        kept.sort(byCodeUnit);
        kept = kept.slice(0, limit);
        overflow = true;
      }
    }
  } finally {
    handle.closeSync();
  }
  kept.sort(byCodeUnit);
  if (kept.length > limit) {
    kept = kept.slice(0, limit);
    overflow = true;
  }
  return { names: kept, complete: !overflow };
}

export class DirWalk {
  private readonly frames: Frame[];
  private last: WalkCursor | null;

  /** `root`: the walked directory (already checked to be where it may be); `cursor`: where a previous step stopped. */
  constructor(
    private readonly root: string,
    cursor: WalkCursor | null,
    private readonly window = WINDOW,
  ) {
    this.last = cursor;
    this.frames = [];
    if (cursor === null) {
      this.frames.push({ dir: [], after: null, window: [], complete: false });
      return;
    }
    // The directories above the last entry, each resuming after the child the walk is in.
    for (let depth = 0; depth < cursor.last.length; depth++) {
      this.frames.push({ dir: cursor.last.slice(0, depth), after: cursor.last[depth]!, window: [], complete: false });
    }
    if (cursor.inside) this.frames.push({ dir: cursor.last, after: null, window: [], complete: false });
  }

  /** Where the walk stands (null before the first entry). */
  get cursor(): WalkCursor | null {
    return this.last;
  }

  get done(): boolean {
    return this.frames.length === 0;
  }

  /**
   * The next entry, or null at the end of the tree. A directory that vanished
   * or cannot be read ends its own part of the walk: it is handed out once as
   * a `special` failure-to-read via `onUnreadable` and skipped.
   */
  async next(onUnreadable: (rel: string, error: NodeJS.ErrnoException) => void): Promise<WalkEntry | null> {
    for (;;) {
      const frame = this.frames.at(-1);
      if (!frame) return null;
      if (frame.window.length === 0 && !frame.complete) {
        try {
          const { names, complete } = namesAfter(path.join(this.root, ...frame.dir), frame.after, this.window);
          frame.window = names;
          frame.complete = complete;
        } catch (error) {
          onUnreadable(frame.dir.join('/'), error as NodeJS.ErrnoException);
          frame.window = [];
          frame.complete = true;
        }
      }
      const name = frame.window.shift();
      if (name === undefined) {
        this.frames.pop();
        continue;
      }
      frame.after = name;
      const segments = [...frame.dir, name];
      const rel = segments.join('/');
      // Synchronous: an lstat of an entry just listed costs microseconds, a thread-pool round trip far more.
      const stats = fs.lstatSync(path.join(this.root, ...segments), { throwIfNoEntry: false });
      if (!stats) continue; // gone since the directory was read
      if (stats.isDirectory()) {
        this.frames.push({ dir: segments, after: null, window: [], complete: false });
        this.last = { last: segments, inside: true };
        return { rel, kind: 'folder', size: 0 };
      }
      this.last = { last: segments, inside: false };
      if (stats.isFile()) return { rel, kind: 'file', size: stats.size };
      return { rel, kind: stats.isSymbolicLink() ? 'link' : 'special', size: 0 };
    }
  }
}
