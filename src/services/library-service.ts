/**
 * Libraries: creation, reading, visible listings, configuration changes,
 * permissions, state, deletion; and the access check every library-scoped
 * operation goes through (a library the caller cannot see is a 404).
 */
import type { Store } from '../store/store.js';
import type { Library, LibraryPermission, LibraryRole, LibraryState, Principal } from '../domain/types.js';
import { FINDABLE_BY, LIBRARY_STATES } from '../domain/types.js';
import { ForbiddenError, InvalidArgumentError, NotFoundError } from '../domain/errors.js';
import { assertStateTransition, effectiveRight, hasRight, type LibraryAccess } from '../domain/library-rules.js';
import { isDomainAdmin } from '../domain/user-rules.js';
import { decodeCursor, encodeCursor } from '../domain/cursor.js';
import { validateLibraryConfig } from '../domain/library/library-config.js';
import { readRetentionPolicy } from '../domain/retention-input.js';
import { assertHasAdmin, normalizePermissions } from './library-permissions.js';
import type { LibraryView } from './library-resource.js';
import { newLibraryId } from './secrets.js';
import { systemClock, type Clock } from './clock.js';

export type { LibraryAccess };

export interface StorageNames {
  has(name: string): boolean;
  names(): string[];
}

const DEFAULT_APP_TYPE = 2;
const DEFAULT_DAYS_BEFORE_DELETE = 30;

/** Pulls the fields held in columns out of the validated scalars. */
function splitScalars(scalars: Record<string, unknown>) {
  const { daysBeforeDelete, findableBy, restrictedDownload, objectStorageLocation, ...settings } = scalars;
  if (daysBeforeDelete !== undefined && (!Number.isInteger(daysBeforeDelete) || (daysBeforeDelete as number) < 0)) {
    throw new InvalidArgumentError('daysBeforeDelete: must be a non-negative integer', { field: 'daysBeforeDelete' });
  }
  if (findableBy !== undefined && !FINDABLE_BY.includes(findableBy as never)) {
    throw new InvalidArgumentError(`findableBy: must be one of ${FINDABLE_BY.join(', ')}`, { field: 'findableBy' });
  }
  return {
    daysBeforeDelete: daysBeforeDelete as number | undefined,
    findableBy: findableBy as Library['findableBy'] | undefined,
    restrictedDownload: restrictedDownload as boolean | undefined,
    objectStorageLocation: objectStorageLocation as string | undefined,
    settings,
  };
}

function readAppType(body: Record<string, unknown>): number | undefined {
  const value = body.appType;
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 1000) {
    throw new InvalidArgumentError('appType: must be an integer from 0 to 1000', { field: 'appType' });
  }
  return value as number;
}

function readName(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidArgumentError('name: required, a string', { field: 'name' });
  const name = value.normalize('NFC').trim();
  if (name.length === 0 || name.length > 200) {
    throw new InvalidArgumentError('name: must be 1 to 200 characters', { field: 'name' });
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new InvalidArgumentError('name: control characters are not allowed', { field: 'name' });
  return name;
}

export class LibraryService {
  constructor(
    private readonly store: Store,
    private readonly storages: StorageNames,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The server's storage locations. */
  get storageLocations(): StorageNames {
    return this.storages;
  }

  /** The library and the caller's right on it; 404 if not visible, 403 if visible but below `needed`. */
  async access(caller: Principal, libraryId: string, needed: LibraryRole, store: Store = this.store): Promise<LibraryAccess> {
    const library = await store.libraryGetById(libraryId);
    if (!library) throw new NotFoundError(`library '${libraryId}' not found`);
    return this.rightOn(caller, library, needed, store);
  }

  /** The caller's right on a library already read; 404 if not visible, 403 if below `needed`. */
  private async rightOn(caller: Principal, library: Library, needed: LibraryRole, store: Store): Promise<LibraryAccess> {
    const libraryId = library.id;
    // Domain administrators hold every right in their domain: no role lookup needed.
    const explicit =
      library.domainId === caller.user.domainId && !isDomainAdmin(caller.user)
        ? await store.libraryRoleOf({ libraryId, email: caller.user.email, domainName: caller.domain.name })
        : undefined;
    const right = effectiveRight(caller.user, library.domainId, explicit);
    if (right === 'NONE') throw new NotFoundError(`library '${libraryId}' not found`);
    if (!hasRight(right, needed)) throw new ForbiddenError(`this needs ${needed} rights on the library; you have ${right}`);
    return { library, right };
  }

  /** Like `access`, naming the library by its name in the caller's domain (the vendor dialects' buckets). */
  async accessByName(caller: Principal, name: string, needed: LibraryRole): Promise<LibraryAccess> {
    const library = await this.store.libraryGetByName({ domainId: caller.user.domainId, name: name.normalize('NFC').trim() });
    if (!library) throw new NotFoundError(`library '${name}' not found`);
    return this.rightOn(caller, library, needed, this.store);
  }

  /**
   * The appType of each of these libraries in the caller's domain, in one query: the
   * libraries of a page of jobs the caller may already see (listings show each job's
   * app). A library of another domain, or gone, is absent from the map.
   */
  appTypesInDomain(caller: Principal, ids: Iterable<string>): Promise<Map<string, number>> {
    return this.store.libraryAppTypes({ domainId: caller.user.domainId, ids: [...new Set(ids)] });
  }

  /**
   * The name of each of these libraries in the caller's domain: the libraries of jobs the
   * caller may already see (a vendor names a job's library by its name). A library of
   * another domain, or gone, is absent from the map.
   */
  async namesInDomain(caller: Principal, ids: Iterable<string>): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    await Promise.all(
      [...new Set(ids)].map(async (id) => {
        const library = await this.store.libraryGetById(id);
        if (library && library.domainId === caller.user.domainId) names.set(id, library.name);
      }),
    );
    return names;
  }

  async view(caller: Principal, access: LibraryAccess, store: Store = this.store): Promise<LibraryView> {
    const { library } = access;
    const [permissions, userState, creator, usage] = await Promise.all([
      store.libraryPermissionsGet(library.id),
      store.libraryUserStateGet({ libraryId: library.id, userId: caller.user.id }),
      store.userGetById(library.creatorId),
      store.libraryUsageGet({ libraryId: library.id }),
    ]);
    const domain = library.domainId === caller.domain.id ? caller.domain : await store.domainGetById(library.domainId);
    return {
      library,
      right: access.right,
      permissions,
      userState,
      domainName: domain?.name ?? '',
      creatorEmail: creator?.email ?? '',
      usage,
    };
  }

  async create(caller: Principal, body: Record<string, unknown>): Promise<LibraryView> {
    const { name: rawName, appType: _appType, permissions: rawPermissions, state, retention: rawRetention, ...rest } = body;
    const name = readName(rawName);
    const retention = rawRetention === undefined ? {} : readRetentionPolicy(rawRetention);
    const appType = readAppType(body) ?? DEFAULT_APP_TYPE;
    if (state !== undefined && state !== 'STANDARD') {
      throw new InvalidArgumentError("state: a new library starts as STANDARD; omit 'state'", { field: 'state' });
    }
    const { config, scalars } = validateLibraryConfig(rest);
    const cols = splitScalars(scalars);
    const storage = cols.objectStorageLocation ?? 'default';
    if (!this.storages.has(storage)) {
      throw new InvalidArgumentError(`objectStorageLocation: unknown storage location '${storage}' (known: ${this.storages.names().join(', ')})`, {
        field: 'objectStorageLocation',
      });
    }
    const extra = rawPermissions === undefined ? [] : await normalizePermissions(this.store, caller.domain, rawPermissions);
    const permissions = mergeCreator(extra, caller.user.email);
    const now = this.clock();
    const id = newLibraryId();
    // Step 1 commits the library as INITIALIZING; step 2 builds its root and makes it STANDARD.
    // A crash between them leaves an INITIALIZING library that `resumeUnfinished` completes.
    await this.store.transaction(async (tx) => {
      await tx.libraryInsert({
        id,
        domainId: caller.domain.id,
        name,
        state: 'INITIALIZING',
        appType,
        storage,
        daysBeforeDelete: cols.daysBeforeDelete ?? DEFAULT_DAYS_BEFORE_DELETE,
        restrictedDownload: cols.restrictedDownload ?? false,
        findableBy: cols.findableBy ?? 'READERS',
        creatorId: caller.user.id,
        settings: cols.settings,
        config,
        retention,
        createdAt: now,
        lastModified: now,
        lastConfigModified: now,
      });
      await tx.libraryPermissionsReplace({ libraryId: id, permissions });
    });
    await this.finishInitializing(id);
    return this.view(caller, await this.access(caller, id, 'READER'));
  }

  private async finishInitializing(id: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const library = await tx.libraryGetById(id);
      if (!library || library.state !== 'INITIALIZING') return;
      const now = this.clock();
      const root =
        (await tx.itemGetByPath({ libraryId: id, path: '/' })) ??
        (await tx.itemInsertIfAbsent({ libraryId: id, parentId: null, name: '', path: '/', kind: 'folder', size: 0, sha256: null, contentType: null, now }));
      if (!root) throw new Error(`library ${id}: root folder could not be created`);
      await tx.libraryUpdate({ id, changes: { rootFolderId: root.id, state: 'STANDARD' }, configChanged: false, now });
    });
  }

  async get(caller: Principal, id: string, options: { updateLastAccessed?: boolean } = {}): Promise<LibraryView> {
    const access = await this.access(caller, id, 'READER');
    if (options.updateLastAccessed) {
      await this.store.libraryUserStateSet({ libraryId: id, userId: caller.user.id, lastAccessed: this.clock() });
    }
    return this.view(caller, access);
  }

  async list(caller: Principal, p: { limit: number; cursor?: string }): Promise<{ libraries: LibraryView[]; nextCursor: string | null }> {
    const after = p.cursor === undefined ? undefined : decodeCursor('libraries', p.cursor, { name: 'string', id: 'string' });
    const rows = await this.store.libraryListVisible({
      viewer: { domainId: caller.domain.id, seesAll: isDomainAdmin(caller.user), email: caller.user.email, domainName: caller.domain.name },
      after,
      limit: p.limit + 1,
    });
    const page = rows.slice(0, p.limit);
    const libraries: LibraryView[] = [];
    for (const library of page) {
      const explicit = await this.store.libraryRoleOf({ libraryId: library.id, email: caller.user.email, domainName: caller.domain.name });
      libraries.push(await this.view(caller, { library, right: effectiveRight(caller.user, library.domainId, explicit) }));
    }
    const last = page.at(-1);
    const nextCursor = rows.length > p.limit && last ? encodeCursor('libraries', { name: last.name, id: last.id }) : null;
    return { libraries, nextCursor };
  }

  /** PATCH: `favorited` alone needs READER (it is per user); anything else needs ADMIN. */
  async update(caller: Principal, id: string, body: Record<string, unknown>): Promise<LibraryView> {
    const { favorited, name, appType: _appType, state, permissions, retention, ...rest } = body;
    if (favorited !== undefined && typeof favorited !== 'boolean') {
      throw new InvalidArgumentError('favorited: must be a boolean', { field: 'favorited' });
    }
    if (permissions !== undefined) {
      throw new InvalidArgumentError('permissions: change them with PUT /libraries/{id}/permissions', { field: 'permissions' });
    }
    const changesLibrary = Object.keys(body).some((key) => key !== 'favorited');
    const access = await this.access(caller, id, changesLibrary ? 'ADMIN' : 'READER');
    const now = this.clock();
    if (favorited !== undefined) {
      await this.store.libraryUserStateSet({ libraryId: id, userId: caller.user.id, favorited });
    }
    if (!changesLibrary) return this.view(caller, access);
    const { config, scalars } = validateLibraryConfig(rest);
    const cols = splitScalars(scalars);
    if (cols.objectStorageLocation !== undefined && cols.objectStorageLocation !== access.library.storage) {
      throw new InvalidArgumentError('objectStorageLocation: cannot be changed after the library is created', {
        field: 'objectStorageLocation',
      });
    }
    let nextState: LibraryState | undefined;
    if (state !== undefined) {
      if (!LIBRARY_STATES.includes(state as LibraryState)) {
        throw new InvalidArgumentError(`state: must be one of ${LIBRARY_STATES.join(', ')}`, { field: 'state' });
      }
      nextState = state as LibraryState;
      assertStateTransition(access.library.state, nextState);
    }
    const configChanged = Object.keys(config).length > 0 || Object.keys(cols.settings).length > 0 || retention !== undefined;
    const updated = await this.store.libraryUpdate({
      id,
      changes: {
        name: name === undefined ? undefined : readName(name),
        appType: readAppType(body),
        state: nextState,
        daysBeforeDelete: cols.daysBeforeDelete,
        findableBy: cols.findableBy,
        restrictedDownload: cols.restrictedDownload,
        settings: Object.keys(cols.settings).length > 0 ? { ...access.library.settings, ...cols.settings } : undefined,
        config: Object.keys(config).length > 0 ? { ...access.library.config, ...config } : undefined,
        retention: retention === undefined ? undefined : readRetentionPolicy(retention),
      },
      configChanged,
      now,
    });
    if (!updated) throw new NotFoundError(`library '${id}' not found`);
    return this.view(caller, { library: updated, right: access.right });
  }

  async setPermissions(caller: Principal, id: string, raw: unknown): Promise<LibraryView> {
    const access = await this.access(caller, id, 'ADMIN');
    const domain = access.library.domainId === caller.domain.id ? caller.domain : await this.store.domainGetById(access.library.domainId);
    if (!domain) throw new NotFoundError(`library '${id}' not found`);
    const permissions = await normalizePermissions(this.store, domain, raw);
    assertHasAdmin(permissions);
    return this.store.transaction(async (tx) => {
      await tx.libraryPermissionsReplace({ libraryId: id, permissions });
      const updated = await tx.libraryUpdate({ id, changes: {}, configChanged: true, now: this.clock() });
      if (!updated) throw new NotFoundError(`library '${id}' not found`);
      const explicit = await tx.libraryRoleOf({ libraryId: id, email: caller.user.email, domainName: caller.domain.name });
      return this.view(caller, { library: updated, right: effectiveRight(caller.user, updated.domainId, explicit) }, tx);
    });
  }

  /** Marks the library DELETING, then removes it and releases its blobs (its items' and its snapshots'). */
  async delete(caller: Principal, id: string): Promise<void> {
    await this.access(caller, id, 'ADMIN');
    await this.store.libraryUpdate({ id, changes: { state: 'DELETING' }, configChanged: false, now: this.clock() });
    await this.finishDeleting(id);
  }

  private async finishDeleting(id: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const library = await tx.libraryGetById(id);
      if (!library || library.state !== 'DELETING') return;
      await tx.blobReleaseMany({ storage: library.storage, blobs: await tx.itemCountBlobRefs({ libraryId: id }) });
      // Its snapshots go with it (nothing could reach them without the library), releasing what only they held.
      for (;;) {
        const snapshots = await tx.snapshotListByLibrary({ libraryId: id, order: 'asc', limit: 100 });
        for (const s of snapshots) await tx.snapshotDelete({ id: s.id });
        if (snapshots.length < 100) break;
      }
      await tx.libraryDelete(id);
    });
  }

  /** Completes libraries left INITIALIZING or DELETING by a crash. Run at start. */
  async resumeUnfinished(): Promise<number> {
    const pending = await this.store.libraryListByState({ states: ['INITIALIZING', 'DELETING'] });
    for (const library of pending) {
      if (library.state === 'INITIALIZING') await this.finishInitializing(library.id);
      else await this.finishDeleting(library.id);
    }
    return pending.length;
  }
}

function mergeCreator(permissions: LibraryPermission[], email: string): LibraryPermission[] {
  const others = permissions.filter((p) => !(p.type === 'user' && p.value === email));
  return [{ type: 'user', value: email, role: 'ADMIN' }, ...others];
}
