/** `library permissions --set/--remove`: `user:EMAIL=ROLE` and `domain:NAME=ROLE` edits applied to a library's permission list. */
import { usageError } from '../errors.js';

export const ROLES = ['READER', 'WRITER', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export interface Permission {
  type: 'user' | 'domain';
  value: string;
  role: Role;
}

/** `user:ann@example.com` or `domain:example.com`; a bare value with '@' is a user, without one a domain. */
export function parsePrincipal(text: string, flag: string): Pick<Permission, 'type' | 'value'> {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const prefix = colon < 0 ? undefined : trimmed.slice(0, colon).toLowerCase();
  const value = (colon < 0 ? trimmed : trimmed.slice(colon + 1)).trim().toLowerCase();
  if ((prefix !== undefined && prefix !== 'user' && prefix !== 'domain') || value === '' || value.includes('=') || value.includes(':')) {
    throw usageError(`${flag}: expected user:EMAIL or domain:NAME, got '${text}'`);
  }
  return { type: (prefix as Permission['type'] | undefined) ?? (value.includes('@') ? 'user' : 'domain'), value };
}

/** `user:EMAIL=ROLE` → a permission. */
export function parseGrant(text: string): Permission {
  const eq = text.lastIndexOf('=');
  if (eq < 0) throw usageError(`--set: expected user:EMAIL=ROLE or domain:NAME=ROLE, got '${text}'`);
  const role = text.slice(eq + 1).trim().toUpperCase();
  if (!(ROLES as readonly string[]).includes(role)) throw usageError(`--set: role must be one of ${ROLES.join(', ')}, got '${text.slice(eq + 1)}'`);
  return { ...parsePrincipal(text.slice(0, eq), '--set'), role: role as Role };
}

const key = (p: Pick<Permission, 'type' | 'value'>) => `${p.type}:${p.value.toLowerCase()}`;

/** The list after the edits: each `set` replaces (or adds) that principal's entry; each `remove` drops it (a usage error if absent). */
export function applyPermissionChanges(current: readonly Permission[], set: readonly string[], remove: readonly string[]): Permission[] {
  const byKey = new Map(current.map((p): [string, Permission] => [key(p), { type: p.type, value: p.value, role: p.role }]));
  for (const text of remove) {
    const principal = parsePrincipal(text, '--remove');
    if (!byKey.delete(key(principal))) throw usageError(`--remove: ${principal.type}:${principal.value} has no permission on this library`);
  }
  for (const text of set) {
    const grant = parseGrant(text);
    byKey.set(key(grant), grant);
  }
  return [...byKey.values()];
}
