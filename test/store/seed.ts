/** Rows the store cases build on: a domain with its owner, libraries with a root folder, items, jobs. */
import type { Store } from '../../src/store/store.js';
import type { Domain, Item, Library, User } from '../../src/domain/types.js';
import type { Job, JobOrigin } from '../../src/domain/jobs.js';

export const SHA_A = 'a'.repeat(64);
export const SHA_B = 'b'.repeat(64);
export const SHA_C = 'c'.repeat(64);

/** The domain of this name and its owner (created on first use). */
export async function seedDomain(store: Store, name = 'example.com'): Promise<{ domain: Domain; user: User }> {
  const domain = (await store.domainGetByName(name)) ?? (await store.domainCreate({ name, now: 1 }));
  const email = `owner@${name}`;
  const user = (await store.userGetByEmail(email)) ?? (await store.userCreate({ domainId: domain.id, email, name: 'Owner', role: 'user', passwordHash: null, now: 1 }));
  return { domain, user };
}

export interface SeededLibrary {
  domain: Domain;
  user: User;
  library: Library;
  root: Item;
}

/** A library named `name` in the domain, with its root folder `/`; its id is `name@domain`. */
export async function seedLibrary(
  store: Store,
  name = 'docs',
  overrides: Partial<Omit<Library, 'id' | 'domainId' | 'name' | 'creatorId' | 'rootFolderId' | 'sequenceId'>> & { domainName?: string } = {},
): Promise<SeededLibrary> {
  const { domainName, ...fields } = overrides;
  const { domain, user } = await seedDomain(store, domainName);
  const id = `${name}@${domain.name}`;
  await store.libraryInsert({
    id, domainId: domain.id, name, state: 'STANDARD', appType: 2, storage: 'default', daysBeforeDelete: 30,
    restrictedDownload: false, findableBy: 'READERS', creatorId: user.id, settings: {}, config: {},
    createdAt: 1, lastModified: 1, lastConfigModified: 1, ...fields,
  });
  const root = await store.itemInsertIfAbsent({ libraryId: id, parentId: null, name: '', path: '/', kind: 'folder', size: 0, sha256: null, contentType: null, now: 1 });
  const library = await store.libraryUpdate({ id, changes: { rootFolderId: root!.id }, configChanged: false, now: 1 });
  return { domain, user, library: library!, root: root! };
}

function childPath(parent: Item, name: string): string {
  return parent.path === '/' ? `/${name}` : `${parent.path}/${name}`;
}

export async function addFolder(store: Store, parent: Item, name: string, now = 2): Promise<Item> {
  const item = await store.itemInsertIfAbsent({ libraryId: parent.libraryId, parentId: parent.id, name, path: childPath(parent, name), kind: 'folder', size: 0, sha256: null, contentType: null, now });
  if (!item) throw new Error(`'${childPath(parent, name)}' exists`);
  return item;
}

export async function addFile(store: Store, parent: Item, name: string, p: { sha256?: string; size?: number; now?: number } = {}): Promise<Item> {
  const item = await store.itemInsertIfAbsent({
    libraryId: parent.libraryId, parentId: parent.id, name, path: childPath(parent, name), kind: 'file',
    size: p.size ?? 10, sha256: p.sha256 ?? SHA_A, contentType: 'text/plain', now: p.now ?? 2,
  });
  if (!item) throw new Error(`'${childPath(parent, name)}' exists`);
  return item;
}

export async function seedJob(
  store: Store,
  p: { domainId?: number; libraryId?: string; type?: string; priority?: number; now?: number; origin?: JobOrigin; params?: Record<string, unknown> } = {},
): Promise<Job> {
  const domainId = p.domainId ?? (await seedDomain(store)).domain.id;
  return store.jobInsert({
    domainId, libraryId: p.libraryId ?? 'lib', targetLibraryId: null, type: p.type ?? 'noop', requestorId: 1,
    origin: p.origin ?? 'admin', params: p.params ?? {}, priority: p.priority ?? 0, retryOf: null, now: p.now ?? 1000,
  });
}
