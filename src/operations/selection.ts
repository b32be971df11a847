/**
 * A job's selection resolved entry by entry for the subtree planner: items
 * by path, or by id — read by their id, never turned into a path first. An
 * id selection gets what a path selection gets from normalization: the
 * library's root is refused, and an item inside another selected folder is
 * covered by that folder (planned once, not twice).
 */
import type { Store } from '../store/store.js';
import type { Item, Library } from '../domain/types.js';
import type { ItemFailureOutcome } from '../jobs/operation.js';
import type { Selection } from './params.js';

export type Resolved = { item: Item } | { failure: ItemFailureOutcome } | { covered: true };

export interface SelectionOptions {
  /** How the job acts on the items, for messages: 'trashed', 'purged', 'copied', 'moved'. */
  verb: string;
  /** Trash roots may be selected by id too (purge); otherwise only live items. */
  trashRoots?: boolean;
}

export function selectionSize(selection: Selection): number {
  return 'paths' in selection ? selection.paths.length : selection.itemIds.length;
}

/** '/a/b/c' → ['/a', '/a/b']. */
function ancestorsOf(path: string): string[] {
  const parts = path.split('/').slice(1, -1);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

function failure(entry: { path: string } | { id: number }, item: Item | undefined, code: string, message: string): { failure: ItemFailureOutcome } {
  const id = 'id' in entry ? entry.id : null;
  return { failure: { entry, itemId: item?.id ?? id, path: item?.path ?? ('path' in entry ? entry.path : `item ${id}`), code, message } };
}

export class SelectionResolver {
  private ids: Set<number> | undefined;

  constructor(
    private readonly store: Store,
    private readonly library: Library,
    private readonly selection: Selection,
    private readonly options: SelectionOptions,
  ) {}

  get size(): number {
    return selectionSize(this.selection);
  }

  async resolve(i: number): Promise<Resolved> {
    const { store, library } = this;
    if ('paths' in this.selection) {
      const path = this.selection.paths[i]!;
      const item = await store.itemGetByPath({ libraryId: library.id, path });
      return item ? { item } : failure({ path }, undefined, 'NOT_FOUND', `'${path}' not found`);
    }
    const id = this.selection.itemIds[i]!;
    const item = await store.itemGetById({ libraryId: library.id, id });
    if (!item) return failure({ id }, undefined, 'NOT_FOUND', `item ${id} not found`);
    if (item.id === library.rootFolderId) return failure({ id }, item, 'UNPROCESSABLE', `the library's root folder cannot be ${this.options.verb}`);
    if (item.trashedAt !== null) {
      if (!this.options.trashRoots) return failure({ id }, item, 'UNPROCESSABLE', `item ${id} is in the trash`);
      if (item.trashRootId !== item.id) {
        return failure({ id }, item, 'UNPROCESSABLE', `item ${id} was trashed with its folder (item ${item.trashRootId}); select that folder`);
      }
      return { item };
    }
    return (await this.insideSelected(item)) ? { covered: true } : { item };
  }

  /** A live item under another selected item (one query for its ancestors; only when several ids are selected). */
  private async insideSelected(item: Item): Promise<boolean> {
    if ('paths' in this.selection || this.selection.itemIds.length < 2) return false;
    const ancestors = ancestorsOf(item.path);
    if (ancestors.length === 0) return false;
    this.ids ??= new Set(this.selection.itemIds);
    const found = await this.store.itemGetLiveByPaths({ libraryId: this.library.id, paths: ancestors });
    return found.some((a) => this.ids!.has(a.id));
  }
}
