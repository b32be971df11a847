/** Validates a library permission list: known principals of the library's domain, one ADMIN at least. */
import type { Store } from '../store/store.js';
import type { Domain, LibraryPermission, LibraryRole, PermissionType } from '../domain/types.js';
import { LIBRARY_ROLES } from '../domain/types.js';
import { InvalidArgumentError, UnprocessableError } from '../domain/errors.js';

const TYPES: readonly PermissionType[] = ['user', 'domain'];
const IGNORED_AODOCS_FIELDS = new Set(['kind', 'name', 'thumbnailPhotoUrl', 'withLink']);

export async function normalizePermissions(store: Store, domain: Domain, raw: unknown): Promise<LibraryPermission[]> {
  if (!Array.isArray(raw)) throw new InvalidArgumentError('permissions: must be an array', { field: 'permissions' });
  if (raw.length > 1000) throw new InvalidArgumentError('permissions: at most 1000 entries', { field: 'permissions' });
  const seen = new Set<string>();
  const out: LibraryPermission[] = [];
  for (const [index, entry] of raw.entries()) {
    const field = `permissions[${index}]`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new InvalidArgumentError(`${field}: must be an object {type, value, role}`, { field });
    }
    const { type, value, role, ...others } = entry as Record<string, unknown>;
    const unknown = Object.keys(others).find((key) => !IGNORED_AODOCS_FIELDS.has(key));
    if (unknown) throw new InvalidArgumentError(`${field}: unknown field '${unknown}'`, { field: `${field}.${unknown}` });
    if (!TYPES.includes(type as PermissionType)) {
      throw new InvalidArgumentError(`${field}.type: must be one of ${TYPES.join(', ')}`, { field: `${field}.type` });
    }
    if (!LIBRARY_ROLES.includes(role as LibraryRole)) {
      throw new InvalidArgumentError(`${field}.role: must be one of ${LIBRARY_ROLES.join(', ')}`, { field: `${field}.role` });
    }
    if (typeof value !== 'string' || value.length === 0) {
      throw new InvalidArgumentError(`${field}.value: required, a string`, { field: `${field}.value` });
    }
    const normalized = value.trim().toLowerCase();
    if (type === 'user') {
      const user = await store.userGetByEmail(normalized);
      if (!user || user.domainId !== domain.id) {
        throw new UnprocessableError(`${field}.value: no user '${value}' in domain ${domain.name}`, { field: `${field}.value` });
      }
    } else if (normalized !== domain.name) {
      throw new UnprocessableError(`${field}.value: a library can only be shared with its own domain (${domain.name})`, {
        field: `${field}.value`,
      });
    }
    const key = `${type as string}:${normalized}`;
    if (seen.has(key)) throw new InvalidArgumentError(`${field}: duplicate entry for ${key}`, { field });
    seen.add(key);
    out.push({ type: type as PermissionType, value: normalized, role: role as LibraryRole });
  }
  return out;
}

/** `PUT …/permissions` must leave at least one ADMIN. */
export function assertHasAdmin(permissions: readonly LibraryPermission[]): void {
  if (!permissions.some((p) => p.role === 'ADMIN')) {
    throw new UnprocessableError('permissions: at least one ADMIN must remain', { field: 'permissions' });
  }
}
