/**
 * The AODocs library resource against the Library page's sample response
 * (seeds/001_…), field by field and recursively: every field of the sample, at
 * every depth, is present in GET /api/library/v1/{id} and in the native
 * GET /api/v1/libraries/{id}, with the sample's JSON type, for a library no one
 * configured, one shared with its domain, and one whose client set a few fields
 * of some sections. Lists are walked item by item against the sample's item
 * (an empty list has nothing to walk).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { published, sampleKind, samplePage } from './support/aodocs-schemas.js';

const factories = await driverFactories();
const SAMPLE = samplePage('001_6a2520f9f4586b38.txt');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are walked against the sample
type Json = any;

/** Every difference from the sample's shape: a field missing, or of another JSON type, at any depth. */
function shapeDifferences(sample: unknown, actual: unknown, path = ''): string[] {
  const expected = sampleKind(sample);
  const got = sampleKind(actual);
  if (got !== expected) return [`${path || '(root)'}: ${got} instead of ${expected}`];
  if (expected === 'array') {
    return (actual as unknown[]).flatMap((item, i) => shapeDifferences((sample as unknown[])[0], item, `${path}[${i}]`));
  }
  if (expected !== 'object') return [];
  const record = actual as Record<string, unknown>;
  return Object.entries(sample as Record<string, unknown>).flatMap(([key, value]) =>
    Object.hasOwn(record, key) ? shapeDifferences(value, record[key], path ? `${path}.${key}` : key) : [`${path ? `${path}.${key}` : key}: missing`],
  );
}

/** How many fields of the sample a walk visited in `actual` (so a test can tell it walked something). */
function fieldsVisited(sample: unknown, actual: unknown): number {
  if (Array.isArray(sample) && Array.isArray(actual)) return actual.reduce((n: number, item) => n + fieldsVisited(sample[0], item), 0);
  if (sampleKind(sample) !== 'object' || sampleKind(actual) !== 'object') return 0;
  return Object.entries(sample as Record<string, unknown>).reduce((n, [key, value]) => n + 1 + fieldsVisited(value, (actual as Record<string, unknown>)[key]), 0);
}

describe('shapeDifferences', () => {
  it('names a missing field and a field of another type at any depth', () => {
    const sample = { a: 1, b: { c: '<string>', d: [{ e: true }] } };
    expect(shapeDifferences(sample, { a: 2, b: { c: 'x', d: [{ e: false }] } })).toEqual([]);
    expect(shapeDifferences(sample, { a: 2.5, b: { d: [{ e: 'no' }, {}] } })).toEqual(['a: number instead of integer', 'b.c: missing', 'b.d[0].e: string instead of boolean', 'b.d[1].e: missing']);
  });
});

for (const factory of factories) {
  describe(`AODocs library resource on ${factory.name}: the sample's every field`, () => {
    let t: TestApp;

    async function ok(method: string, url: string, json?: unknown, status = 200): Promise<Json> {
      const res = await t.call(method, url, { json });
      expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBe(status);
      return res.body;
    }

    /** The library by both routes: the AODocs resource (valid against AODocs' ApiLibrary) and the native one, which adds only appType, usage and retention. */
    async function bothViews(libraryId: string): Promise<Json> {
      const aodocs = await ok('GET', `/api/library/v1/${libraryId}`);
      expect(published.ApiLibrary(aodocs), JSON.stringify(published.ApiLibrary.errors)).toBe(true);
      const { appType, usage, retention, ...native } = await ok('GET', `/api/v1/libraries/${libraryId}`);
      expect(appType).toBe(2);
      expect(usage).toEqual({ items: expect.any(Number), bytes: expect.any(Number) });
      expect(retention).toEqual({ keepLast: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0, keepWithin: null });
      expect(aodocs.usage).toBeUndefined();
      expect(aodocs.retention).toBeUndefined();
      expect(native).toEqual(aodocs);
      return aodocs;
    }

    beforeAll(async () => {
      t = await startTestApp(factory);
      await ok('POST', '/api/v1/users', { email: 'bob@example.com' }, 201);
    });

    afterAll(async () => {
      await t?.dispose();
    });

    it('serves every field of the sample for a library no one configured, with batchyard values', async () => {
      const { libraryId } = await ok('POST', '/api/v1/libraries', { name: 'Plain' }, 201);
      const body = await bothViews(libraryId);
      expect(shapeDifferences(SAMPLE.response, body)).toEqual([]);
      // The walk went below the top level: into every object section and the permission.
      expect(fieldsVisited(SAMPLE.response, body)).toBeGreaterThan(Object.keys(SAMPLE.response).length + 30);
      expect(body).toMatchObject({
        visibility: { level: 'READ', scope: 'NONE', withLink: false },
        folderDefinition: { libraryId, folderId: body.rootFolderId, kind: 'aodocs#folderDefinition', onlyAdminCanEditRootFolder: false, onlyAdminCanManage: false },
        documentTypes: { items: [] },
        views: { items: [] },
        wokflows: { workflows: [] },
        relations: [],
        libraryLabels: [],
        forwardRequestAccessRole: 'ADMIN',
        timeZone: 'UTC',
        homeUrl: `/api/v1/libraries/${libraryId}`,
      });
      expect(body.permissions).toEqual([{ kind: 'aodocs#permission', type: 'user', value: 'admin@example.com', name: 'admin@example.com', role: 'ADMIN', thumbnailPhotoUrl: '', withLink: false }]);
    });

    it('shows a library shared with its domain as visible to the domain, at the level of the grant', async () => {
      const { libraryId } = await ok('POST', '/api/v1/libraries', { name: 'Shared' }, 201);
      for (const [role, level] of [['READER', 'READ'], ['WRITER', 'WRITE']] as const) {
        await ok('PUT', `/api/v1/libraries/${libraryId}/permissions`, {
          permissions: [
            { type: 'user', value: 'admin@example.com', role: 'ADMIN' },
            { type: 'user', value: 'bob@example.com', role: 'READER' },
            { type: 'domain', value: 'example.com', role },
          ],
        });
        const body = await bothViews(libraryId);
        expect(shapeDifferences(SAMPLE.response, body)).toEqual([]);
        expect(body.visibility).toEqual({ level, scope: 'DOMAIN', withLink: false });
        expect(body.permissions).toHaveLength(3);
      }
    });

    it('completes the sections a client set in part, keeping what it set', async () => {
      const { libraryId } = await ok(
        'POST',
        '/api/v1/libraries',
        {
          name: 'Configured',
          onlyAdminsCanManageFolders: true,
          timeZone: 'Europe/Paris',
          folderDefinition: { name: 'Tree', folderVisibility: 'PRIVATE' },
          visibility: { scope: 'DOMAIN' },
          historyVisibility: { type: 'USER', value: 'admin@example.com' },
        },
        201,
      );
      const body = await bothViews(libraryId);
      expect(shapeDifferences(SAMPLE.response, body)).toEqual([]);
      expect(body).toMatchObject({
        timeZone: 'Europe/Paris',
        onlyAdminsCanManageFolders: true,
        folderDefinition: { name: 'Tree', folderVisibility: 'PRIVATE', libraryId, onlyAdminCanManage: true },
        visibility: { scope: 'DOMAIN', level: 'READ', withLink: false },
        historyVisibility: { type: 'USER', value: 'admin@example.com', displayName: 'admin@example.com', description: '' },
      });
    });
  });
}
