/**
 * What replicate's planner and its tasks share: the two folders (as path
 * prefixes), a task's entries and context, and how two items compare.
 *
 * A task's entries name the changes the planner found, by path: `create` and
 * `update` by the source item's path, `trash` by the target item's. A task
 * decides again when it runs (the trees may have changed since planning), so
 * a retry replays a failed entry as it is now. Items already the same on both
 * sides are no entries: the planner counts them into tally tasks
 * (`{unchanged: n}`), which write nothing.
 */
import type { Static } from '@sinclair/typebox';
import type { ReplicateParams } from '../domain/job-params/index.js';
import type { ItemKind } from '../domain/types.js';

export type ReplicateJobParams = Static<typeof ReplicateParams>;

export type ChangeAction = 'create' | 'update' | 'trash';

export interface ChangeEntry {
  path: string;
  action: ChangeAction;
}

/** A folder of the job that planning found unusable (source missing or a file; target a file). */
export interface FolderEntry {
  path: string;
  action: 'folder';
  side: 'source' | 'target';
}

/** A tally task's entries are none (`{unchanged: n}` says how many); a retry's replay of one has a number per item. */
export type ReplicateEntry = ChangeEntry | FolderEntry | number;
export type ReplicateContext = null | { unchanged: number };

export interface Sides {
  sourcePath: string;
  targetPath: string;
  /** The folder's path plus '/' ('/' for the root): an item's relative path is what follows it. */
  sourcePrefix: string;
  targetPrefix: string;
}

export function folderPrefix(path: string): string {
  return path === '/' ? '/' : `${path}/`;
}

export function sidesOf(params: ReplicateJobParams): Sides {
  const sourcePath = params.sourcePath ?? '/';
  const targetPath = params.targetPath ?? '/';
  return { sourcePath, targetPath, sourcePrefix: folderPrefix(sourcePath), targetPrefix: folderPrefix(targetPath) };
}

/** Whether two folders of one library overlap (one is the other or inside it). */
export function overlaps(a: string, b: string): boolean {
  return a === b || a === '/' || b === '/' || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

export interface Comparable {
  kind: ItemKind;
  sha256: string | null;
}

/** Same kind and, for files, same content: nothing to write. */
export function sameItem(source: Comparable, target: Comparable): boolean {
  return source.kind === target.kind && (source.kind === 'folder' || source.sha256 === target.sha256);
}
