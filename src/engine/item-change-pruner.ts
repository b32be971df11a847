/**
 * Keeps the item change log (the entries triggers on `items` append for
 * incremental backups) bounded: each pass visits a few libraries that have
 * entries, in id order from where the last pass stopped, and deletes the
 * entries every snapshot a backup may start from has already seen (all of
 * them for a library with no such snapshot: its first backup walks whole).
 * Each library's prune is its own short transaction, a bounded number of rows;
 * a library with more left is visited again on the next round.
 */
import type { Store } from '../store/store.js';

export const ITEM_CHANGE_PRUNE_LIBRARIES = 20;
export const ITEM_CHANGE_PRUNE_ROWS = 20_000;

export class ItemChangePruner {
  private after: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly libraries = ITEM_CHANGE_PRUNE_LIBRARIES,
    private readonly rows = ITEM_CHANGE_PRUNE_ROWS,
  ) {}

  /** One pass; returns how many entries it deleted. */
  async pass(): Promise<number> {
    const ids = await this.store.itemChangesLibraries({ after: this.after, limit: this.libraries });
    this.after = ids.length < this.libraries ? undefined : ids.at(-1);
    let deleted = 0;
    for (const libraryId of ids) deleted += await this.store.itemChangesPrune({ libraryId, limit: this.rows });
    return deleted;
  }
}
