/** The records the core works with, independent of any database. */
import type { RetentionPolicy } from './retention-policy.js';

export type UserRole = 'user' | 'admin' | 'super_admin';
export const USER_ROLES: readonly UserRole[] = ['user', 'admin', 'super_admin'];

export interface Domain {
  id: number;
  name: string;
  createdAt: number;
}

export interface User {
  id: number;
  domainId: number;
  email: string;
  name: string;
  role: UserRole;
  createdAt: number;
}

export interface UserWithSecret extends User {
  passwordHash: string | null;
}

export interface Token {
  id: string;
  userId: number;
  name: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

/** Who is calling: the authenticated user and their domain. */
export interface Principal {
  user: User;
  domain: Domain;
  tokenId: string;
}

export type LibraryRole = 'READER' | 'WRITER' | 'ADMIN';
export const LIBRARY_ROLES: readonly LibraryRole[] = ['READER', 'WRITER', 'ADMIN'];

export type LibraryState = 'INITIALIZING' | 'STANDARD' | 'ARCHIVED' | 'DELETING';
export const LIBRARY_STATES: readonly LibraryState[] = ['INITIALIZING', 'STANDARD', 'ARCHIVED', 'DELETING'];

export type FindableBy = 'READERS' | 'CONTRIBUTORS' | 'ADMINS' | 'NONE';
export const FINDABLE_BY: readonly FindableBy[] = ['READERS', 'CONTRIBUTORS', 'ADMINS', 'NONE'];

/** A permission entry: `user` by email, or `domain` (everyone in a domain, by name). */
export type PermissionType = 'user' | 'domain';

export interface LibraryPermission {
  type: PermissionType;
  value: string;
  role: LibraryRole;
}

export interface Library {
  id: string;
  domainId: number;
  name: string;
  state: LibraryState;
  appType: number;
  storage: string;
  daysBeforeDelete: number;
  restrictedDownload: boolean;
  findableBy: FindableBy;
  creatorId: number;
  rootFolderId: number;
  /** Settable scalar fields of the AODocs library resource not held in columns. */
  settings: Record<string, unknown>;
  /** Configuration sections (document types, categories, …) as given. */
  config: Record<string, unknown>;
  createdAt: number;
  lastModified: number;
  lastConfigModified: number;
  sequenceId: number;
  /** Which snapshots the retention job keeps (restic's keep-* meaning); {} keeps all. */
  retention: RetentionPolicy;
}

export type ItemKind = 'file' | 'folder';

export interface Item {
  id: number;
  libraryId: string;
  parentId: number | null;
  name: string;
  path: string;
  kind: ItemKind;
  size: number;
  sha256: string | null;
  /** Files: the media type; folders: null. */
  contentType: string | null;
  createdAt: number;
  modifiedAt: number;
  trashedAt: number | null;
  trashRootId: number | null;
}
