/** Domains and users: creation by administrators, within domain boundaries; listings of users and tokens. */
import type { Store } from '../store/store.js';
import type { Domain, Principal, User, UserRole } from '../domain/types.js';
import { ForbiddenError, InvalidArgumentError, NotFoundError } from '../domain/errors.js';
import { canGrantRole, canManageUser, isDomainAdmin } from '../domain/user-rules.js';
import { decodeCursor, encodeCursor } from '../domain/cursor.js';
import type { TokenWithOwner } from '../store/queries/tokens.js';
import { hashPassword } from './secrets.js';
import type { AuthService, MintedToken } from './auth-service.js';
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

export interface Listing<T> {
  items: T[];
  nextCursor: string | null;
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

  /** `GET /users`: admins list their domain's users (a super admin may name another `domain`). */
  async listUsers(caller: Principal, p: { domain?: string; limit: number; cursor?: string }): Promise<Listing<User> & { domain: Domain }> {
    if (!isDomainAdmin(caller.user)) throw new ForbiddenError('only an admin may list users');
    let domain = caller.domain;
    if (p.domain !== undefined && validateDomainName(p.domain, 'domain') !== caller.domain.name) {
      const other = caller.user.role === 'super_admin' ? await this.store.domainGetByName(p.domain.toLowerCase()) : undefined;
      if (!other) throw new NotFoundError(`domain '${p.domain}' not found`);
      domain = other;
    }
    const kind = `users:${domain.id}`;
    const after = p.cursor === undefined ? undefined : decodeCursor(kind, p.cursor, { id: 'number' }).id;
    const rows = await this.store.userListByDomain({ domainId: domain.id, afterId: after, limit: p.limit + 1 });
    const items = rows.slice(0, p.limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > p.limit && last ? encodeCursor(kind, { id: last.id }) : null, domain };
  }

  /**
   * `PATCH /users/{id}`: a new name, role or password. Users change their own
   * name and password; admins those of the users they manage, and their role
   * (within what they may grant). No one changes their own role: the last
   * admin cannot demote themselves by mistake. A role change is seen by this
   * process's next request at once (its cached identities are dropped).
   */
  async updateUser(caller: Principal, userId: number, p: { name?: string; role?: UserRole; password?: string }): Promise<{ user: User; domain: Domain }> {
    const self = userId === caller.user.id;
    const target = self ? caller.user : await this.store.userGetById(userId);
    if (!target || (!self && !canManageUser(caller.user, target))) throw new NotFoundError(`user ${userId} not found`, { field: 'userId' });
    if (p.name === undefined && p.role === undefined && p.password === undefined) {
      throw new InvalidArgumentError('give name, role or password to change', { field: 'name' });
    }
    if (p.role !== undefined && p.role !== target.role) {
      if (self) throw new ForbiddenError('you may not change your own role', { field: 'role' });
      if (!canGrantRole(caller.user, p.role)) throw new ForbiddenError(`you may not grant the role '${p.role}'`, { field: 'role' });
    }
    const name = p.name?.trim();
    if (name !== undefined && name === '') throw new InvalidArgumentError('name: must not be blank', { field: 'name' });
    const passwordHash = p.password === undefined ? undefined : await hashPassword(p.password);
    const user = await this.store.userUpdate({ id: target.id, name, role: p.role, passwordHash });
    if (!user) throw new NotFoundError(`user ${userId} not found`, { field: 'userId' });
    if (user.role !== target.role) this.auth.forgetUser(user.id);
    const domain = user.domainId === caller.domain.id ? caller.domain : await this.store.domainGetById(user.domainId);
    if (!domain) throw new NotFoundError(`user ${userId} not found`, { field: 'userId' });
    return { user, domain };
  }

  /** `GET /domains`: every domain, by id (super admins). */
  async listDomains(caller: Principal, p: { limit: number; cursor?: string }): Promise<Listing<Domain>> {
    if (caller.user.role !== 'super_admin') throw new ForbiddenError('only a super admin may list domains');
    const after = p.cursor === undefined ? undefined : decodeCursor('domains', p.cursor, { id: 'number' }).id;
    const rows = await this.store.domainList({ afterId: after, limit: p.limit + 1 });
    const items = rows.slice(0, p.limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > p.limit && last ? encodeCursor('domains', { id: last.id }) : null };
  }

  /**
   * `GET /tokens`: a user's own tokens; an admin's, every token of their
   * domain, or (`userId`) those of a user they manage. Active ones only
   * (neither revoked nor expired) unless `includeInactive`.
   */
  async listTokens(caller: Principal, p: { userId?: number; includeInactive?: boolean; limit: number; cursor?: string }): Promise<Listing<TokenWithOwner>> {
    // An admin sees the tokens of the users they manage (not a super admin's), and their own.
    let scope: { userId: number } | { domainId: number; exceptRole?: UserRole } = !isDomainAdmin(caller.user)
      ? { userId: caller.user.id }
      : caller.user.role === 'super_admin'
        ? { domainId: caller.domain.id }
        : { domainId: caller.domain.id, exceptRole: 'super_admin' };
    if (p.userId !== undefined && p.userId !== caller.user.id) {
      const target = await this.store.userGetById(p.userId);
      if (!target || !canManageUser(caller.user, target)) throw new NotFoundError(`user ${p.userId} not found`, { field: 'userId' });
      scope = { userId: target.id };
    } else if (p.userId !== undefined) {
      scope = { userId: caller.user.id };
    }
    const kind = 'userId' in scope ? `tokens:u${scope.userId}` : `tokens:d${scope.domainId}`;
    const after = p.cursor === undefined ? undefined : decodeCursor(kind, p.cursor, { createdAt: 'number', id: 'string' });
    const rows = await this.store.tokenList({
      ...scope,
      activeAt: p.includeInactive ? undefined : this.clock(),
      after: after && { createdAt: after.createdAt, id: after.id },
      limit: p.limit + 1,
    });
    const items = rows.slice(0, p.limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > p.limit && last ? encodeCursor(kind, { createdAt: last.createdAt, id: last.id }) : null };
  }

  /**
   * `batchyard admin-token` (run with database access, no token needed): a new
   * token for the admin with `email`, or for the first super admin. Recovers a
   * deployment whose admin token was lost.
   */
  async mintAdminToken(p: { email?: string; name?: string; expiresInDays?: number }): Promise<{ user: User; token: MintedToken }> {
    const user = p.email === undefined ? await this.store.userGetFirstWithRole('super_admin') : await this.store.userGetByEmail(normalizeEmail(p.email));
    if (!user) throw new NotFoundError(p.email === undefined ? 'this database has no super admin (has a server started on it?)' : `no user '${p.email}'`);
    if (!isDomainAdmin(user)) throw new ForbiddenError(`'${user.email}' is not an admin (role ${user.role})`);
    const admin: User = { id: user.id, domainId: user.domainId, email: user.email, name: user.name, role: user.role, createdAt: user.createdAt };
    return { user: admin, token: await this.auth.mintFor(this.store, admin, { name: p.name ?? 'admin-token', expiresInDays: p.expiresInDays }) };
  }
}
