/** Rights on a library: explicit roles, domain administrators, and what each right allows. */
import type { Library, LibraryRole, LibraryState, User } from './types.js';
import { isDomainAdmin } from './user-rules.js';
import { ConflictError, UnprocessableError } from './errors.js';

/** AODocs' `currentUserRight` values we produce. */
export type LibraryRight = 'NONE' | LibraryRole | 'SUPER_ADMIN';

const RANK: Record<LibraryRight, number> = { NONE: 0, READER: 1, WRITER: 2, ADMIN: 3, SUPER_ADMIN: 4 };

/** Domain administrators act as SUPER_ADMIN on every library of their domain. */
export function effectiveRight(user: User, libraryDomainId: number, explicit: LibraryRole | undefined): LibraryRight {
  if (user.role === 'super_admin' || (isDomainAdmin(user) && user.domainId === libraryDomainId)) return 'SUPER_ADMIN';
  if (user.domainId !== libraryDomainId) return 'NONE';
  return explicit ?? 'NONE';
}

export function hasRight(right: LibraryRight, needed: LibraryRole): boolean {
  return RANK[right] >= RANK[needed];
}

/** Readers of a library with restrictedDownload cannot download content. */
export function canDownload(right: LibraryRight, restrictedDownload: boolean): boolean {
  return restrictedDownload ? hasRight(right, 'WRITER') : hasRight(right, 'READER');
}

/** Content can change only in a STANDARD library. */
export function assertWritable(state: LibraryState): void {
  if (state !== 'STANDARD') {
    throw new ConflictError(`the library is ${state}; its content cannot change`, { state });
  }
}

/** State changes a client may request: STANDARD ⇄ ARCHIVED (DELETING comes with DELETE). */
export function assertStateTransition(from: LibraryState, to: LibraryState): void {
  if (from === to) return;
  const allowed = (from === 'STANDARD' && to === 'ARCHIVED') || (from === 'ARCHIVED' && to === 'STANDARD');
  if (!allowed) {
    throw new UnprocessableError(`state cannot change from ${from} to ${to} (allowed: STANDARD ⇄ ARCHIVED; DELETE to delete)`, {
      field: 'state',
    });
  }
}

/** A library as one caller reaches it: the library and the caller's right on it. */
export interface LibraryAccess {
  library: Library;
  right: LibraryRight;
}
