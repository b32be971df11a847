/** Library permissions and per-user library state (favorite, last access). */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { LibraryPermission, LibraryRole, PermissionType } from '../../domain/types.js';

import { prepared } from '../prepared.js';

const ROLE_RANK: Record<LibraryRole, number> = { READER: 1, WRITER: 2, ADMIN: 3 };

const rolesOf = prepared(['libraryId', 'email', 'domainName'], (db, p: { libraryId: string; email: string; domainName: string }) =>
  db
    .selectFrom('library_permissions')
    .select('role')
    .where('library_id', '=', p.libraryId)
    .where((eb) =>
      eb.or([
        eb.and([eb('type', '=', 'user'), eb('value', '=', p.email)]),
        eb.and([eb('type', '=', 'domain'), eb('value', '=', p.domainName)]),
      ]),
    ),
);

export async function libraryPermissionsGet(db: Kysely<Database>, libraryId: string): Promise<LibraryPermission[]> {
  const rows = await db
    .selectFrom('library_permissions')
    .select(['type', 'value', 'role'])
    .where('library_id', '=', libraryId)
    .orderBy('type')
    .orderBy('value')
    .execute();
  return rows.map((r) => ({ type: r.type as PermissionType, value: r.value, role: r.role }));
}

export async function libraryPermissionsReplace(
  db: Kysely<Database>,
  p: { libraryId: string; permissions: readonly LibraryPermission[] },
): Promise<void> {
  await db.deleteFrom('library_permissions').where('library_id', '=', p.libraryId).execute();
  if (p.permissions.length === 0) return;
  await db
    .insertInto('library_permissions')
    .values(p.permissions.map((x) => ({ library_id: p.libraryId, type: x.type, value: x.value, role: x.role })))
    .execute();
}

/** The highest role the user holds on the library, directly or through their domain. */
export async function libraryRoleOf(
  db: Kysely<Database>,
  p: { libraryId: string; email: string; domainName: string },
): Promise<LibraryRole | undefined> {
  const rows = await rolesOf.rows(db, p);
  let best: LibraryRole | undefined;
  for (const { role } of rows) if (!best || ROLE_RANK[role] > ROLE_RANK[best]) best = role;
  return best;
}

export interface LibraryUserState {
  favorited: boolean;
  lastAccessed: number | null;
}

export async function libraryUserStateGet(
  db: Kysely<Database>,
  p: { libraryId: string; userId: number },
): Promise<LibraryUserState> {
  const row = await db
    .selectFrom('library_user_state')
    .select(['favorited', 'last_accessed'])
    .where('library_id', '=', p.libraryId)
    .where('user_id', '=', p.userId)
    .executeTakeFirst();
  return {
    favorited: Number(row?.favorited ?? 0) === 1,
    lastAccessed: row?.last_accessed == null ? null : Number(row.last_accessed),
  };
}

export async function libraryUserStateSet(
  db: Kysely<Database>,
  p: { libraryId: string; userId: number; favorited?: boolean; lastAccessed?: number },
): Promise<void> {
  if (p.favorited === undefined && p.lastAccessed === undefined) return;
  const values = {
    library_id: p.libraryId,
    user_id: p.userId,
    favorited: p.favorited ? 1 : 0,
    last_accessed: p.lastAccessed ?? null,
  };
  await db
    .insertInto('library_user_state')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['library_id', 'user_id']).doUpdateSet({
        ...(p.favorited === undefined ? {} : { favorited: values.favorited }),
        ...(p.lastAccessed === undefined ? {} : { last_accessed: p.lastAccessed }),
      }),
    )
    .execute();
}

/** Ids of the domain's libraries on which the user holds ADMIN (directly or through their domain). */
export async function libraryIdsAdministeredBy(
  db: Kysely<Database>,
  p: { email: string; domainName: string; domainId: number },
): Promise<string[]> {
  const rows = await db
    .selectFrom('library_permissions as p')
    .innerJoin('libraries as l', 'l.id', 'p.library_id')
    .select('p.library_id')
    .distinct()
    .where('l.domain_id', '=', p.domainId)
    .where('p.role', '=', 'ADMIN')
    .where((eb) => eb.or([eb.and([eb('p.type', '=', 'user'), eb('p.value', '=', p.email)]), eb.and([eb('p.type', '=', 'domain'), eb('p.value', '=', p.domainName)])]))
    .orderBy('p.library_id')
    .execute();
  return rows.map((r) => r.library_id);
}
