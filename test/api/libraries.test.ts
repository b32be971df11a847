/** Libraries over HTTP: the AODocs resource, rights, visibility, state, configuration. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { Ajv } from 'ajv';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';

const factories = await driverFactories();
const aodocs = JSON.parse(fs.readFileSync(new URL('../../seeds/openapi/aodocs-library.json', import.meta.url), 'utf8'));

/** AODocs' own ApiLibrary schema, with their components, as a validator. */
function aodocsValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('int32', true).addFormat('int64', true).addFormat('date-time', true).addFormat('byte', true);
  const components = JSON.parse(JSON.stringify(aodocs.components.schemas).replaceAll('#/components/schemas/', 'aodocs#/definitions/'));
  ajv.addSchema({ $id: 'aodocs', definitions: components });
  return ajv.compile({ $ref: 'aodocs#/definitions/ApiLibrary' });
}

for (const factory of factories) {
  describe(`libraries API on ${factory.name}`, () => {
    let t: TestApp;
    let alice: string;
    let bob: string;
    beforeEach(async () => {
      t = await startTestApp(factory);
      alice = await userToken('alice@example.com');
      bob = await userToken('bob@example.com');
    });
    afterEach(async () => {
      await t.dispose();
    });

    async function userToken(email: string, role = 'user', token?: string): Promise<string> {
      const user = await t.call('POST', '/api/v1/users', { json: { email, role }, token });
      const minted = await t.call('POST', '/api/v1/tokens', { json: { userId: user.body.id }, token });
      return minted.body.token;
    }

    async function createLibrary(token: string, body: Record<string, unknown>) {
      const res = await t.call('POST', '/api/v1/libraries', { token, json: body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body;
    }

    it('creates a library whose representation is a valid AODocs ApiLibrary with every field', async () => {
      const lib = await createLibrary(alice, {
        name: 'Contracts',
        daysBeforeDelete: 14,
        documentTypes: { kind: 'aodocs#nameValueList', items: [{ kind: 'aodocs#nameValue', name: 'Contract', value: 'c1' }] },
        locale: 'fr',
      });
      const validate = aodocsValidator();
      expect(validate(lib), JSON.stringify(validate.errors)).toBe(true);
      for (const field of Object.keys(aodocs.components.schemas.ApiLibrary.properties)) {
        if (['appMetadata', 'categoryDefinitions', 'driveShortcuts', 'folderDefinition', 'historyVisibility', 'libraryLabels', 'relations', 'views', 'visibility', 'wokflows', 'documentTypes'].includes(field)) continue;
        if (['defaultDocumentType', 'defaultView', 'forwardRequestAccessRole', 'homeUrl', 'logoUrl', 'redirectUrl', 'storageAdmin', 'technicalNotificationAddress', 'timeZone', 'welcomeText', 'allowNonGoogleUsersInDriveOnlyPermissions', 'enableExternalSharingInDriveOnlyPermissions', 'notifyUsersAboutPushToMyDrive', 'onlyAdminsCanEditRootFolder', 'onlyAdminsCanManageFolders', 'pushToMyDrive'].includes(field)) continue;
        expect(lib, `field ${field}`).toHaveProperty(field);
      }
      expect(lib).toMatchObject({
        name: 'Contracts',
        state: 'STANDARD',
        appType: 2,
        daysBeforeDelete: 14,
        locale: 'fr',
        currentUserRight: 'ADMIN',
        creator: 'alice@example.com',
        domainName: 'example.com',
        findableBy: 'READERS',
        restrictedDownload: false,
        favorited: false,
        objectStorageLocation: 'default',
        permissions: [expect.objectContaining({ type: 'user', value: 'alice@example.com', role: 'ADMIN' })],
      });
      expect(lib.documentTypes.items[0].name).toBe('Contract');
      expect(typeof lib.rootFolderId).toBe('string');
      expect(typeof lib.createdAt).toBe('number');
    });

    it('hides a library from those without rights (404), and enforces READER < WRITER < ADMIN', async () => {
      const lib = await createLibrary(alice, { name: 'Private' });
      const hidden = await t.call('GET', `/api/v1/libraries/${lib.libraryId}`, { token: bob });
      expect(hidden.status).toBe(404);
      expect((await t.call('GET', '/api/v1/libraries', { token: bob })).body.libraries).toEqual([]);
      const put = await t.call('PUT', `/api/v1/libraries/${lib.libraryId}/permissions`, {
        token: alice,
        json: { permissions: [{ type: 'user', value: 'alice@example.com', role: 'ADMIN' }, { type: 'user', value: 'bob@example.com', role: 'READER' }] },
      });
      expect(put.status).toBe(200);
      const asBob = await t.call('GET', `/api/v1/libraries/${lib.libraryId}`, { token: bob });
      expect(asBob.body.currentUserRight).toBe('READER');
      expect((await t.call('PATCH', `/api/v1/libraries/${lib.libraryId}`, { token: bob, json: { locale: 'de' } })).status).toBe(403);
      expect((await t.call('POST', `/api/v1/libraries/${lib.libraryId}/folders`, { token: bob, json: { path: '/x' } })).status).toBe(403);
      const noAdmin = await t.call('PUT', `/api/v1/libraries/${lib.libraryId}/permissions`, { token: alice, json: { permissions: [{ type: 'user', value: 'bob@example.com', role: 'WRITER' }] } });
      expect(noAdmin.status).toBe(422);
      const ghost = await t.call('PUT', `/api/v1/libraries/${lib.libraryId}/permissions`, { token: alice, json: { permissions: [{ type: 'user', value: 'ghost@example.com', role: 'ADMIN' }] } });
      expect(ghost.status).toBe(422);
      // The domain's administrator sees everything in the domain.
      const admin = await t.call('GET', `/api/v1/libraries/${lib.libraryId}`);
      expect(admin.body.currentUserRight).toBe('SUPER_ADMIN');
    });

    it('keeps another domain’s libraries invisible (404)', async () => {
      const lib = await createLibrary(alice, { name: 'Ours' });
      const other = await t.call('POST', '/api/v1/domains', { json: { name: 'other.test', admin: { email: 'adm@other.test' } } });
      expect((await t.call('GET', `/api/v1/libraries/${lib.libraryId}`, { token: other.body.token })).status).toBe(404);
      expect((await t.call('GET', `/api/v1/libraries/${lib.libraryId}/items`, { token: other.body.token })).status).toBe(404);
      expect((await t.call('GET', '/api/v1/libraries', { token: other.body.token })).body.libraries).toEqual([]);
    });

    it('lists by findableBy and pages with a cursor', async () => {
      for (const [name, findableBy] of [['a', 'READERS'], ['b', 'CONTRIBUTORS'], ['c', 'ADMINS'], ['d', 'NONE']] as const) {
        const lib = await createLibrary(alice, { name, findableBy });
        await t.call('PUT', `/api/v1/libraries/${lib.libraryId}/permissions`, {
          token: alice,
          json: { permissions: [{ type: 'user', value: 'alice@example.com', role: 'ADMIN' }, { type: 'domain', value: 'example.com', role: 'WRITER' }] },
        });
      }
      const bobs = await t.call('GET', '/api/v1/libraries', { token: bob });
      expect(bobs.body.libraries.map((l: { name: string }) => l.name)).toEqual(['a', 'b']);
      const alices = await t.call('GET', '/api/v1/libraries?limit=2', { token: alice });
      expect(alices.body.libraries.map((l: { name: string }) => l.name)).toEqual(['a', 'b']);
      const next = await t.call('GET', `/api/v1/libraries?limit=2&cursor=${alices.body.nextCursor}`, { token: alice });
      expect(next.body.libraries.map((l: { name: string }) => l.name)).toEqual(['c']);
      expect(next.body.nextCursor).toBeNull();
      expect((await t.call('GET', '/api/v1/libraries?cursor=garbage!', { token: alice })).status).toBe(400);
      expect((await t.call('GET', '/api/v1/libraries?limit=0', { token: alice })).status).toBe(400);
    });

    it('changes state STANDARD ⇄ ARCHIVED only, and an archived library refuses writes', async () => {
      const lib = await createLibrary(alice, { name: 'Arch' });
      const archived = await t.call('PATCH', `/api/v1/libraries/${lib.libraryId}`, { token: alice, json: { state: 'ARCHIVED' } });
      expect(archived.body.state).toBe('ARCHIVED');
      expect(archived.body.sequenceId).toBeGreaterThan(lib.sequenceId);
      const write = await t.call('PUT', `/api/v1/libraries/${lib.libraryId}/files/a.txt`, { token: alice, body: 'x' });
      expect(write.status).toBe(409);
      expect((await t.call('PATCH', `/api/v1/libraries/${lib.libraryId}`, { token: alice, json: { state: 'DELETING' } })).status).toBe(422);
      expect((await t.call('PATCH', `/api/v1/libraries/${lib.libraryId}`, { token: alice, json: { state: 'BOGUS' } })).status).toBe(400);
      expect((await t.call('PATCH', `/api/v1/libraries/${lib.libraryId}`, { token: alice, json: { state: 'STANDARD' } })).body.state).toBe('STANDARD');
    });

    it('validates configuration sections and settings, naming the field', async () => {
      const wrongType = await t.call('POST', '/api/v1/libraries', { token: alice, json: { name: 'x', daysBeforeDelete: 'ten' } });
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.error.message).toContain('daysBeforeDelete');
      const unknown = await t.call('POST', '/api/v1/libraries', { token: alice, json: { name: 'x', colour: 'red' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toContain('colour');
      const readOnly = await t.call('POST', '/api/v1/libraries', { token: alice, json: { name: 'x', sequenceId: 5 } });
      expect(readOnly.status).toBe(400);
      const badEnum = await t.call('POST', '/api/v1/libraries', { token: alice, json: { name: 'x', findableBy: 'EVERYONE' } });
      expect(badEnum.status).toBe(400);
      const storage = await t.call('POST', '/api/v1/libraries', { token: alice, json: { name: 'x', objectStorageLocation: 'mars' } });
      expect(storage.status).toBe(400);
      expect(storage.body.error.message).toContain('mars');
      const noName = await t.call('POST', '/api/v1/libraries', { token: alice, json: {} });
      expect(noName.status).toBe(400);
      await createLibrary(alice, { name: 'dup' });
      expect((await t.call('POST', '/api/v1/libraries', { token: alice, json: { name: 'dup' } })).status).toBe(409);
    });

    it('tracks favorited and lastAccessed per user, and lastConfigModified on config changes', async () => {
      const lib = await createLibrary(alice, { name: 'Fav', findableBy: 'READERS' });
      await t.call('PUT', `/api/v1/libraries/${lib.libraryId}/permissions`, {
        token: alice,
        json: { permissions: [{ type: 'user', value: 'alice@example.com', role: 'ADMIN' }, { type: 'user', value: 'bob@example.com', role: 'READER' }] },
      });
      const fav = await t.call('PATCH', `/api/v1/libraries/${lib.libraryId}`, { token: bob, json: { favorited: true } });
      expect(fav.status).toBe(200);
      expect(fav.body.favorited).toBe(true);
      expect((await t.call('GET', `/api/v1/libraries/${lib.libraryId}`, { token: alice })).body.favorited).toBe(false);
      expect((await t.call('GET', `/api/v1/libraries/${lib.libraryId}`, { token: bob })).body.lastAccessed).toBe(0);
      const touched = await t.call('GET', `/api/v1/libraries/${lib.libraryId}?updateLastAccessed=true`, { token: bob });
      expect(touched.body.lastAccessed).toBeGreaterThan(0);
      const changed = await t.call('PATCH', `/api/v1/libraries/${lib.libraryId}`, { token: alice, json: { categoryDefinitions: { items: [{ name: 'Region', value: 'r' }] } } });
      expect(changed.status).toBe(200);
      expect(changed.body.lastConfigModified).toBeGreaterThanOrEqual(lib.lastConfigModified);
      expect(changed.body.categoryDefinitions.items[0].name).toBe('Region');
    });

    it('deletes a library (ADMIN only) and releases its blobs', async () => {
      const lib = await createLibrary(alice, { name: 'Gone' });
      await t.call('PUT', `/api/v1/libraries/${lib.libraryId}/files/a.txt`, { token: alice, body: 'hello' });
      expect((await t.call('DELETE', `/api/v1/libraries/${lib.libraryId}`, { token: bob })).status).toBe(404);
      expect((await t.call('DELETE', `/api/v1/libraries/${lib.libraryId}`, { token: alice })).status).toBe(204);
      expect((await t.call('GET', `/api/v1/libraries/${lib.libraryId}`, { token: alice })).status).toBe(404);
      const rows = await t.app.driver.db.selectFrom('blobs').select(['refcount']).execute();
      expect(rows.map((r) => Number(r.refcount))).toEqual([0]);
    });
  });
}
