/**
 * Saved views: each user's named job-list queries (the text of the dashboard's
 * query bar). A user sees and deletes only their own; another user's view
 * does not exist for them (404).
 */
import type { Store } from '../store/store.js';
import type { Principal } from '../domain/types.js';
import type { SavedView } from '../store/queries/saved-views.js';
import { InvalidArgumentError, NotFoundError } from '../domain/errors.js';
import { systemClock, type Clock } from './clock.js';

export type { SavedView };

export const MAX_VIEW_NAME_LENGTH = 100;
export const MAX_VIEW_QUERY_LENGTH = 2000;
/** Views one user may keep (the dashboard lists them all at once). */
export const MAX_VIEWS_PER_USER = 200;

export class SavedViewService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock = systemClock,
  ) {}

  list(caller: Principal): Promise<SavedView[]> {
    return this.store.savedViewListByUser({ userId: caller.user.id });
  }

  /** 409 when the caller already has a view of this name. */
  async create(caller: Principal, p: { name: string; query: string }): Promise<SavedView> {
    const name = p.name.normalize('NFC').trim();
    if (name.length === 0 || name.length > MAX_VIEW_NAME_LENGTH) {
      throw new InvalidArgumentError(`name: must be 1 to ${MAX_VIEW_NAME_LENGTH} characters (not only spaces)`, { field: 'name' });
    }
    if (p.query.length > MAX_VIEW_QUERY_LENGTH) throw new InvalidArgumentError(`query: at most ${MAX_VIEW_QUERY_LENGTH} characters`, { field: 'query' });
    const existing = await this.store.savedViewListByUser({ userId: caller.user.id });
    if (existing.length >= MAX_VIEWS_PER_USER) {
      throw new InvalidArgumentError(`name: you already keep ${MAX_VIEWS_PER_USER} views; delete one first`, { field: 'name' });
    }
    return this.store.savedViewCreate({ userId: caller.user.id, name, query: p.query, now: this.clock() });
  }

  /** Deletes one of the caller's views; anyone else's (or none) is a 404. */
  async delete(caller: Principal, id: number): Promise<void> {
    if (!(await this.store.savedViewDelete({ id, userId: caller.user.id }))) throw new NotFoundError(`view ${id} not found`, { id });
  }
}
