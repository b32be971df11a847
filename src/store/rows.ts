/** Row → record mappers shared by the query modules. */
import type { Selectable } from 'kysely';
import type { DomainsTable, ItemsTable, LibrariesTable, TokensTable, UsersTable } from './schema.js';
import type { Domain, FindableBy, Item, Library, LibraryState, Token, User, UserWithSecret } from '../domain/types.js';

export function toDomain(row: Selectable<DomainsTable>): Domain {
  return { id: Number(row.id), name: row.name, createdAt: Number(row.created_at) };
}

export function toUser(row: Selectable<UsersTable>): User {
  return {
    id: Number(row.id),
    domainId: Number(row.domain_id),
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: Number(row.created_at),
  };
}

export function toUserWithSecret(row: Selectable<UsersTable>): UserWithSecret {
  return { ...toUser(row), passwordHash: row.password_hash };
}

export function toToken(row: Selectable<TokensTable>): Token {
  return {
    id: row.id,
    userId: Number(row.user_id),
    name: row.name,
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

export function toLibrary(row: Selectable<LibrariesTable>): Library {
  return {
    id: row.id,
    domainId: Number(row.domain_id),
    name: row.name,
    state: row.state as LibraryState,
    appType: Number(row.app_type),
    storage: row.storage,
    daysBeforeDelete: Number(row.days_before_delete),
    restrictedDownload: Number(row.restricted_download) === 1,
    findableBy: row.findable_by as FindableBy,
    creatorId: Number(row.creator_id),
    rootFolderId: Number(row.root_folder_id),
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    config: JSON.parse(row.config) as Record<string, unknown>,
    createdAt: Number(row.created_at),
    lastModified: Number(row.last_modified),
    lastConfigModified: Number(row.last_config_modified),
    sequenceId: Number(row.sequence_id),
  };
}

export function toItem(row: Selectable<ItemsTable>): Item {
  return {
    id: Number(row.id),
    libraryId: row.library_id,
    parentId: row.parent_id === null ? null : Number(row.parent_id),
    name: row.name,
    path: row.path,
    kind: row.kind,
    size: Number(row.size),
    sha256: row.sha256,
    contentType: row.content_type,
    createdAt: Number(row.created_at),
    modifiedAt: Number(row.modified_at),
    trashedAt: row.trashed_at === null ? null : Number(row.trashed_at),
    trashRootId: row.trash_root_id === null ? null : Number(row.trash_root_id),
  };
}
