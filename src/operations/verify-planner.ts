/**
 * Plans a verify: the selected item and the live items under it (by path),
 * the trashed items under it (trash roots oldest first, each with its
 * members), then the distinct blobs they reference (by hash), for the whole
 * library its snapshots (their blobs present: verify-snapshots.ts), then the
 * library's usage — each walked in keyset chunks from a small cursor, so
 * planning holds one chunk in memory and resumes where it stopped.
 */
import type { Store } from '../store/store.js';
import type { ItemRef } from '../store/queries/items-bulk.js';
import type { PlanStep, PlannedTask } from '../jobs/operation.js';
import { chunkSizeFor, ITEMS_PER_STEP } from './subtree-planner.js';

/** Items are checked in phase 1 with the blobs; the usage last, after repairs that change it (folders re-created). */
export const CHECK_PHASE = 1;
export const USAGE_PHASE = 2;
const TRASH_ROOTS_PER_PAGE = 100;
const SNAPSHOTS_PER_PAGE = 20;

export type VerifyContext = { check: 'items' } | { check: 'blobs'; storage: string } | { check: 'snapshots' } | { check: 'usage' };
/** An items task's entries are item ids; a blobs task's, hashes; a snapshots task's, snapshot ids; the usage task's, the library id. */
export type VerifyEntry = number | { sha256: string } | { snapshotId: number } | { libraryId: string } | { path: string };

export interface VerifyCursor {
  stage: 'root' | 'live' | 'trash' | 'blobs' | 'snapshots' | 'usage';
  afterPath?: string;
  /** The last trash root walked (oldest first). */
  afterRoot?: { trashedAt: number; id: number };
  /** The trash root whose members are being walked, and the last member seen. */
  root?: { trashedAt: number; id: number };
  afterId?: number;
  afterSha256?: string;
  /** The last snapshot walked (oldest first). */
  afterSnapshot?: { createdAt: number; id: number };
}

export interface VerifyPlanInput {
  store: Store;
  library: { id: string; storage: string };
  /** The selected folder or file (normalized); `/` for the whole library. */
  path: string;
}

function under(path: string, selected: string): boolean {
  return selected === '/' || path === selected || path.startsWith(`${selected}/`);
}

export async function planVerify(input: VerifyPlanInput, cursor: VerifyCursor | null): Promise<PlanStep<VerifyCursor>> {
  const { store, library, path } = input;
  const chunk = chunkSizeFor(store);
  let state: VerifyCursor = cursor ?? { stage: 'root' };
  const tasks: PlannedTask[] = [];
  const failures: PlanStep['failures'] = [];
  let ids: number[] = [];
  let bytesTotal = 0;
  let budget = ITEMS_PER_STEP;
  const items = (refs: Array<Pick<ItemRef, 'id' | 'kind' | 'size'>>) => {
    for (const ref of refs) {
      ids.push(ref.id);
      if (ref.kind === 'file') bytesTotal += ref.size;
      if (ids.length >= chunk) flush();
    }
    budget -= refs.length;
  };
  const flush = () => {
    if (ids.length > 0) tasks.push({ phase: CHECK_PHASE, context: { check: 'items' } satisfies VerifyContext, entries: ids });
    ids = [];
  };

  while (budget > 0 && state.stage !== 'usage') {
    if (state.stage === 'root') {
      const item = await store.itemGetByPath({ libraryId: library.id, path });
      if (!item) {
        failures.push({ entry: { path }, itemId: null, path, code: 'NOT_FOUND', message: `${path} not found`, phase: CHECK_PHASE, context: null });
        state = { stage: 'usage' };
        break;
      }
      items([item]);
      state = { stage: item.kind === 'folder' ? 'live' : 'trash' };
    } else if (state.stage === 'live') {
      const prefix = path === '/' ? '/' : `${path}/`;
      const limit = Math.min(chunk, budget);
      const refs = await store.itemListSubtreeLive({ libraryId: library.id, prefix, afterPath: state.afterPath, limit });
      items(refs);
      state = refs.length < limit ? { stage: 'trash' } : { stage: 'live', afterPath: refs.at(-1)!.path };
    } else if (state.stage === 'trash' && state.root) {
      const limit = Math.min(chunk, budget);
      const refs = await store.itemListTrashMembers({ rootId: state.root.id, afterId: state.afterId, limit });
      items(refs);
      state = refs.length < limit ? { stage: 'trash', afterRoot: state.root } : { stage: 'trash', root: state.root, afterId: refs.at(-1)!.id };
    } else if (state.stage === 'trash') {
      const roots = await store.itemListTrashRootsBefore({ libraryId: library.id, cutoff: Number.MAX_SAFE_INTEGER, after: state.afterRoot, limit: TRASH_ROOTS_PER_PAGE });
      budget -= roots.length;
      let afterRoot = state.afterRoot;
      let folder: { trashedAt: number; id: number } | undefined;
      for (const root of roots) {
        afterRoot = { trashedAt: root.trashedAt, id: root.id };
        if (!under(root.path, path)) continue;
        items([root]);
        if (root.kind === 'folder') {
          folder = afterRoot;
          break;
        }
      }
      if (folder) state = { stage: 'trash', root: folder };
      else if (roots.length < TRASH_ROOTS_PER_PAGE) state = { stage: 'blobs' };
      else state = { stage: 'trash', afterRoot };
    } else if (state.stage === 'snapshots') {
      const page = await store.snapshotListByLibrary({ libraryId: library.id, order: 'asc', limit: SNAPSHOTS_PER_PAGE, after: state.afterSnapshot });
      if (page.length > 0) tasks.push({ phase: CHECK_PHASE, context: { check: 'snapshots' } satisfies VerifyContext, entries: page.map((s) => ({ snapshotId: s.id })) });
      budget -= page.length;
      const last = page.at(-1);
      state = page.length < SNAPSHOTS_PER_PAGE || !last ? { stage: 'usage' } : { stage: 'snapshots', afterSnapshot: { createdAt: last.createdAt, id: last.id } };
    } else {
      flush();
      const limit = Math.min(chunk, budget);
      const hashes = await store.itemListBlobsUnder({ libraryId: library.id, path, afterSha256: state.afterSha256, limit });
      if (hashes.length > 0) {
        tasks.push({ phase: CHECK_PHASE, context: { check: 'blobs', storage: library.storage } satisfies VerifyContext, entries: hashes.map((sha256) => ({ sha256 })) });
      }
      budget -= hashes.length;
      const next: VerifyCursor = path === '/' ? { stage: 'snapshots' } : { stage: 'usage' };
      state = hashes.length < limit ? next : { stage: 'blobs', afterSha256: hashes.at(-1) };
    }
  }
  flush();
  if (state.stage === 'usage') {
    tasks.push({ phase: USAGE_PHASE, context: { check: 'usage' } satisfies VerifyContext, entries: [{ libraryId: library.id }] });
    return { tasks, failures, bytesTotal, cursor: null };
  }
  return { tasks, failures, bytesTotal, cursor: state };
}
