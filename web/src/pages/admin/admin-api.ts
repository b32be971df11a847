/** What the admin pages read and send: users, tokens and domains (the OpenAPI document is the reference). */
import type { UserRole } from '../../api/types';

export interface AdminUser {
  id: number;
  email: string;
  name: string;
  role: UserRole;
  domain: string;
}

export interface TokenInfo {
  id: string;
  name: string;
  userId: number;
  userEmail: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface MintedToken {
  id: string;
  token: string;
  userId: number;
  name: string;
  expiresAt: string | null;
}

export interface DomainInfo {
  name: string;
  createdAt: string;
}

export const ROLE_LABEL: Record<UserRole, string> = { user: 'user', admin: 'admin', super_admin: 'super admin' };

/** The roles `actor` may grant (an admin: user and admin; a super admin: all). */
export function grantableRoles(actor: UserRole): UserRole[] {
  return actor === 'super_admin' ? ['user', 'admin', 'super_admin'] : ['user', 'admin'];
}
