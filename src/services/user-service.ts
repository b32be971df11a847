/** Domains and users: creation by administrators, within domain boundaries. */
import type { Store } from '../store/store.js';
import type { Domain, Principal, User, UserRole } from '../domain/types.js';
import { ForbiddenError, InvalidArgumentError, NotFoundError } from '../domain/errors.js';
import { canGrantRole, isDomainAdmin } from '../domain/user-rules.js';
import { hashPassword } from './secrets.js';
import type { AuthService } from './auth-service.js';
import { systemClock, type Clock } from './clock.js';

const EMAIL = /^[^\s@/\\<>"]{1,64}@[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/i;
const DOMAIN_NAME = /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*$/;

export function normalizeEmail(email: string, field = 'email'): string {
  const value = email.trim().toLowerCase();
  if (!EMAIL.test(value)) throw new InvalidArgumentError(`${field}: '${email}' is not an email address`, { field });
  return value;
}

export function validateDomainName(name: string, field = 'name'): string {
  const value = name.trim().toLowerCase();
  if (value.length > 253 || !DOMAIN_NAME.test(value)) {
    throw new InvalidArgumentError(`${field}: '${name}' is not a domain name`, { field });
  }
  return value;
}

export interface CreatedDomain {
  domain: Domain;
  admin: User;
  token: string;
}

export class UserService {
  constructor(
    private readonly store: Store,
    private readonly auth: AuthService,
    private readonly clock: Clock = systemClock,
  ) {}

  async createDomain(caller: Principal, p: { name: string; admin: { email: string; name?: string } }): Promise<CreatedDomain> {
    if (caller.user.role !== 'super_admin') throw new ForbiddenError('only a super admin may create domains');
    const name = validateDomainName(p.name);
    const email = normalizeEmail(p.admin.email, 'admin.email');
    return this.store.transaction(async (tx) => {
      const now = this.clock();
      const domain = await tx.domainCreate({ name, now });
      const admin = await tx.userCreate({ domainId: domain.id, email, name: p.admin.name ?? email, role: 'admin', passwordHash: null, now });
      const minted = await this.auth.mintFor(tx, admin, { name: 'domain-admin' });
      return { domain, admin, token: minted.secret };
    });
  }

  async createUser(
    caller: Principal,
    p: { email: string; name?: string; role?: UserRole; password?: string; domain?: string },
  ): Promise<{ user: User; domain: Domain }> {
    if (!isDomainAdmin(caller.user)) throw new ForbiddenError('only an admin may create users');
    const role = p.role ?? 'user';
    if (!canGrantRole(caller.user, role)) throw new ForbiddenError(`an admin may not grant the role '${role}'`);
    let domain = caller.domain;
    if (p.domain !== undefined && validateDomainName(p.domain, 'domain') !== caller.domain.name) {
      const other = caller.user.role === 'super_admin' ? await this.store.domainGetByName(p.domain.toLowerCase()) : undefined;
      if (!other) throw new NotFoundError(`domain '${p.domain}' not found`);
      domain = other;
    }
    const email = normalizeEmail(p.email);
    if (p.password !== undefined && p.password.length < 8) {
      throw new InvalidArgumentError('password: must be at least 8 characters', { field: 'password' });
    }
    const passwordHash = p.password === undefined ? null : await hashPassword(p.password);
    const user = await this.store.userCreate({
      domainId: domain.id,
      email,
      name: p.name ?? email,
      role,
      passwordHash,
      now: this.clock(),
    });
    return { user, domain };
  }
}
