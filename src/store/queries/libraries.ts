/** Library rows: create, read, visible listing, update, delete. */
import { sql, type Kysely, type Updateable } from 'kysely';
import type { Database, LibrariesTable } from '../schema.js';
import type { Library, LibraryRole } from '../../domain/types.js';
import { toLibrary } from '../rows.js';
import { prepared } from '../prepared.js';

const byId = prepared(['id'], (db, p: { id: string }) => db.selectFrom('libraries').selectAll().where('id', '=', p.id));

export type LibraryInsert = Omit<Library, 'rootFolderId' | 'sequenceId' | 'retention'> & { retention?: Library['retention'] };

export async function libraryInsert(db: Kysely<Database>, lib: LibraryInsert): Promise<void> {
  await db
    .insertInto('libraries')
    .values({
      id: lib.id,
      domain_id: lib.domainId,
      name: lib.name,
      state: lib.state,
      app_type: lib.appType,
      storage: lib.storage,
      days_before_delete: lib.daysBeforeDelete,
      restricted_download: lib.restrictedDownload ? 1 : 0,
      findable_by: lib.findableBy,
      creator_id: lib.creatorId,
      root_folder_id: null,
      settings: JSON.stringify(lib.settings),
      config: JSON.stringify(lib.config),
      created_at: lib.createdAt,
      last_modified: lib.lastModified,
      last_config_modified: lib.lastConfigModified,
      sequence_id: 1,
      retention: JSON.stringify(lib.retention ?? {}),
    })
    .execute();
}

export async function libraryGetById(db: Kysely<Database>, id: string): Promise<Library | undefined> {
  const [row] = await byId.rows(db, { id });
  return row && toLibrary(row);
}

/** A library by its name within a domain (names are unique per domain); the vendor dialects name libraries so. */
export async function libraryGetByName(db: Kysely<Database>, p: { domainId: number; name: string }): Promise<Library | undefined> {
  const row = await db.selectFrom('libraries').selectAll().where('domain_id', '=', p.domainId).where('name', '=', p.name).executeTakeFirst();
  return row && toLibrary(row);
}

/** The appType of each of these libraries that belongs to the domain (one query for a page of jobs). */
export async function libraryAppTypes(db: Kysely<Database>, p: { domainId: number; ids: readonly string[] }): Promise<Map<string, number>> {
  if (p.ids.length === 0) return new Map();
  const rows = await db.selectFrom('libraries').select(['id', 'app_type']).where('domain_id', '=', p.domainId).where('id', 'in', [...p.ids]).execute();
  return new Map(rows.map((r) => [r.id, Number(r.app_type)]));
}

export interface LibraryChanges {
  name?: string;
  state?: string;
  appType?: number;
  daysBeforeDelete?: number;
  restrictedDownload?: boolean;
  findableBy?: string;
  rootFolderId?: number;
  settings?: Record<string, unknown>;
  config?: Record<string, unknown>;
  retention?: Library['retention'];
}

/**
 * Applies changes and bumps `sequence_id` and `last_modified` (and
 * `last_config_modified` when `configChanged`). Returns the new row.
 */
export async function libraryUpdate(
  db: Kysely<Database>,
  p: { id: string; changes: LibraryChanges; configChanged: boolean; now: number },
): Promise<Library | undefined> {
  const c = p.changes;
  const set: Updateable<LibrariesTable> = { last_modified: p.now };
  if (p.configChanged) set.last_config_modified = p.now;
  if (c.name !== undefined) set.name = c.name;
  if (c.state !== undefined) set.state = c.state;
  if (c.appType !== undefined) set.app_type = c.appType;
  if (c.daysBeforeDelete !== undefined) set.days_before_delete = c.daysBeforeDelete;
  if (c.restrictedDownload !== undefined) set.restricted_download = c.restrictedDownload ? 1 : 0;
  if (c.findableBy !== undefined) set.findable_by = c.findableBy;
  if (c.rootFolderId !== undefined) set.root_folder_id = c.rootFolderId;
  if (c.settings !== undefined) set.settings = JSON.stringify(c.settings);
  if (c.config !== undefined) set.config = JSON.stringify(c.config);
  if (c.retention !== undefined) set.retention = JSON.stringify(c.retention);
  const row = await db
    .updateTable('libraries')
    .set(set)
    .set({ sequence_id: sql<number>`sequence_id + 1` })
    .where('id', '=', p.id)
    .returningAll()
    .executeTakeFirst();
  return row && toLibrary(row);
}

/**
 * The library row read inside a transaction that changes its content. With
 * `lock` (databases with concurrent writers) the row is held FOR SHARE until
 * commit, so a concurrent state change (archive, delete) waits for it.
 */
export async function libraryGetForContentChange(
  db: Kysely<Database>,
  p: { id: string; lock: boolean },
): Promise<Library | undefined> {
  const query = db.selectFrom('libraries').selectAll().where('id', '=', p.id);
  const row = await (p.lock ? query.forShare() : query).executeTakeFirst();
  return row && toLibrary(row);
}

export interface LibraryViewer {
  domainId: number;
  /** Sees every library of the domain (domain administrators). */
  seesAll: boolean;
  email: string;
  domainName: string;
}

const LISTING_ROLES: Record<string, LibraryRole[]> = {
  READERS: ['READER', 'WRITER', 'ADMIN'],
  CONTRIBUTORS: ['WRITER', 'ADMIN'],
  ADMINS: ['ADMIN'],
};

/**
 * The libraries a viewer may find in listings, ordered by (name, id), after
 * the keyset cursor. `findableBy` sets the least role that lists a library.
 */
export async function libraryListVisible(
  db: Kysely<Database>,
  p: { viewer: LibraryViewer; after: { name: string; id: string } | undefined; limit: number },
): Promise<Library[]> {
  let query = db.selectFrom('libraries as l').selectAll('l').where('l.domain_id', '=', p.viewer.domainId);
  if (!p.viewer.seesAll) {
    const v = p.viewer;
    query = query.where((eb) =>
      eb.or(
        Object.entries(LISTING_ROLES).map(([findableBy, roles]) =>
          eb.and([
            eb('l.findable_by', '=', findableBy),
            eb.exists(
              eb
                .selectFrom('library_permissions as p')
                .select(sql`1`.as('one'))
                .whereRef('p.library_id', '=', 'l.id')
                .where('p.role', 'in', roles)
                .where((w) =>
                  w.or([
                    w.and([w('p.type', '=', 'user'), w('p.value', '=', v.email)]),
                    w.and([w('p.type', '=', 'domain'), w('p.value', '=', v.domainName)]),
                  ]),
                ),
            ),
          ]),
        ),
      ),
    );
  }
  if (p.after) {
    const after = p.after;
    query = query.where((eb) =>
      eb.or([eb('l.name', '>', after.name), eb.and([eb('l.name', '=', after.name), eb('l.id', '>', after.id)])]),
    );
  }
  const rows = await query.orderBy('l.name').orderBy('l.id').limit(p.limit).execute();
  return rows.map(toLibrary);
}

export async function libraryDelete(db: Kysely<Database>, id: string): Promise<boolean> {
  await db.deleteFrom('library_permissions').where('library_id', '=', id).execute();
  await db.deleteFrom('library_user_state').where('library_id', '=', id).execute();
  await db.deleteFrom('items').where('library_id', '=', id).execute();
  const result = await db.deleteFrom('libraries').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Libraries in the given states (few: those a crash left mid-transition). */
export async function libraryListByState(db: Kysely<Database>, p: { states: readonly string[] }): Promise<Library[]> {
  const rows = await db.selectFrom('libraries').selectAll().where('state', 'in', [...p.states]).execute();
  return rows.map(toLibrary);
}
