/** Who may act on whom: domain boundaries and administrator roles. */
import type { User, UserRole } from './types.js';

export function isDomainAdmin(user: User): boolean {
  return user.role === 'admin' || user.role === 'super_admin';
}

/** Admins manage users of their own domain; super admins manage everyone. */
export function canManageUser(actor: User, target: User): boolean {
  if (actor.role === 'super_admin') return true;
  return actor.role === 'admin' && actor.domainId === target.domainId && target.role !== 'super_admin';
}

/** Admins may grant `user` and `admin`; only super admins grant `super_admin`. */
export function canGrantRole(actor: User, role: UserRole): boolean {
  if (actor.role === 'super_admin') return true;
  return actor.role === 'admin' && role !== 'super_admin';
}
