/**
 * report through the engine, on every driver: an inventory of a known tree
 * (live and trashed items, names with commas, quotes and a line break) read
 * back from the job's result, as CSV (parsed here by an RFC 4180 reader of
 * its own) and as JSON, equals the catalog in path order, over several
 * parts; a subtree and a missing path; the permissions report.
 */
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import type { Job } from '../../src/domain/jobs.js';
import type { Item } from '../../src/domain/types.js';
import { comparePaths } from '../../src/operations/path-order.js';
import { csvField } from '../../src/operations/report-format.js';

const factories = await driverFactories();

/** RFC 4180: CRLF records, fields quoted when they hold a comma, a quote or a line break, quotes doubled. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field === '' && record.length === 0 && !quoted, 'the CSV ends with a complete record').toBe(true);
  return records;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const asRow = (i: Item) => ({ path: i.path, kind: i.kind, size: i.size, sha256: i.sha256, mediaType: i.contentType, created: iso(i.createdAt), modified: iso(i.modifiedAt), trashed: iso(i.trashedAt) });

for (const factory of factories) {
  describe(`report on ${factory.name}`, () => {
    let f: EngineFixture;
    let lib: string;
    beforeEach(async () => {
      f = await engineFixture(factory);
      lib = await f.library('report');
      await f.startEngine();
    });
    afterEach(async () => {
      await f.dispose();
    });

    const put = (path: string, text: string) => f.app.items.putFile(f.admin, lib, path, Readable.from([Buffer.from(text)]));
    async function run(params: Record<string, unknown>): Promise<{ job: Job; text: string }> {
      const job = await f.waitFor((await f.submit('report', lib, params)).id);
      const artifact = await f.app.store.artifactGet({ jobId: job.id, part: 0 });
      expect(artifact, JSON.stringify(job)).toBeDefined();
      const chunks: Buffer[] = [];
      for await (const chunk of await f.app.blobStores.get(artifact!.storage).openRead(artifact!.sha256)) chunks.push(chunk as Buffer);
      expect(await f.app.store.artifactListParts({ jobId: job.id, limit: 10 })).toEqual([]); // the parts went with the assembly
      return { job, text: Buffer.concat(chunks).toString('utf8') };
    }
    /** Every item at `path` or under it (but the library root), live and trashed, from the catalog, in report order. */
    async function catalog(path = '/'): Promise<Item[]> {
      const rows = await f.app.driver.db.selectFrom('items').select('id').where('library_id', '=', lib).execute();
      const items = (await f.app.store.itemGetMany({ ids: rows.map((r) => Number(r.id)) })).filter(
        (i) => i.path !== '/' && (path === '/' || i.path === path || i.path.startsWith(`${path}/`)),
      );
      return items.sort((a, b) => comparePaths(a.path, b.path) || Number(a.trashedAt !== null) - Number(b.trashedAt !== null) || a.id - b.id);
    }

    it('an inventory lists the tree, live and trashed, in path order, in CSV and in JSON, with its counts and bytes', async () => {
      await f.tree(lib, '/big', 2, 700); // more rows than a chunk: several parts
      await put('/odd/a,b.txt', 'comma');
      await put('/odd/say "hi".txt', 'quotes');
      await put('/odd/plain.txt', 'plain');
      await put('/odd/gone.txt', 'trashed');
      const odd = (await f.app.store.itemGetByPath({ libraryId: lib, path: '/odd' }))!;
      const now = Date.now();
      // A name from before names were checked, with a line break in it.
      await f.app.store.itemInsertMany([{ libraryId: lib, parentId: odd.id, name: 'two\nlines.txt', path: '/odd/two\nlines.txt', kind: 'file', size: 0, sha256: null, contentType: 'text/plain; charset="utf-8"', createdAt: now, modifiedAt: now }]);
      await f.waitFor((await f.submit('trash', lib, { paths: ['/odd/gone.txt', '/big/d0001/f00003.txt'] })).id);
      await put('/odd/gone.txt', 'live again'); // a live and a trashed item at one path
      const expected = (await catalog()).map(asRow);
      expect(expected.filter((r) => r.trashed !== null)).toHaveLength(2);

      const csv = await run({ format: 'csv' });
      expect(csv.job.status).toBe('completed');
      const [head, ...records] = parseCsv(csv.text);
      expect(head).toEqual(['path', 'kind', 'size', 'sha256', 'mediaType', 'created', 'modified', 'trashed']);
      expect(records).toEqual(expected.map((r) => [r.path, r.kind, String(r.size), r.sha256 ?? '', r.mediaType ?? '', r.created, r.modified, r.trashed ?? '']));
      expect(csv.text).toContain('"/odd/a,b.txt"');
      expect(csv.text).toContain('"/odd/say ""hi"".txt"');
      expect(csv.text).toContain('"/odd/two\nlines.txt"');
      const files = expected.filter((r) => r.kind === 'file');
      const bytes = files.reduce((n, r) => n + r.size, 0);
      const trashedBytes = expected.filter((r) => r.trashed !== null).reduce((n, r) => n + r.size, 0);
      expect(csv.job.result).toMatchObject({
        kind: 'inventory',
        format: 'csv',
        counts: { items: expected.length, files: files.length, folders: expected.length - files.length, trashed: 2 },
        bytes: { total: bytes, trashed: trashedBytes },
        artifact: { name: `inventory-${csv.job.id}.csv`, mediaType: 'text/csv; charset=utf-8', size: Buffer.byteLength(csv.text) },
      });
      expect(csv.job.counts).toMatchObject({ total: expected.length, succeeded: expected.length, failed: 0, skipped: 0 });

      const json = await run({ format: 'json' });
      expect(JSON.parse(json.text)).toEqual(expected);
      expect(json.job.result).toMatchObject({ format: 'json', counts: { items: expected.length }, artifact: { name: `inventory-${json.job.id}.json`, mediaType: 'application/json' } });
    });

    it('an inventory of a folder lists it and what is under it only; of a file, that file; of a missing path, nothing and NOT_FOUND', async () => {
      await put('/a/x.txt', 'x');
      await put('/a/sub/y.txt', 'yy');
      await put('/ab.txt', 'beside /a, not under it');
      const folder = await run({ path: '/a', format: 'json' });
      expect((JSON.parse(folder.text) as Array<{ path: string }>).map((r) => r.path)).toEqual(['/a', '/a/sub', '/a/sub/y.txt', '/a/x.txt']);
      expect(folder.job.result).toMatchObject({ counts: { items: 4, files: 2, folders: 2 }, bytes: { total: 3 } });
      const file = await run({ path: 'a/x.txt', format: 'csv' });
      expect(parseCsv(file.text).slice(1).map((r) => r[0])).toEqual(['/a/x.txt']);
      expect(file.job.params).toMatchObject({ path: '/a/x.txt', kind: 'inventory' });
      const missing = await f.waitFor((await f.submit('report', lib, { path: '/nope', format: 'csv' })).id);
      expect(missing.status).toBe('failed'); // its one item failed
      const failures = await f.app.jobs.failures(f.admin, missing.id, { limit: 10 });
      expect(failures.failures.map((x) => [x.path, x.code])).toEqual([['/nope', 'NOT_FOUND']]);
      await expect(f.submit('report', lib, { format: 'xml' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('a permissions report lists (library, user, role) rows: CSV and JSON', async () => {
      await f.app.users.createUser(f.admin, { email: 'reader@example.com' });
      await f.app.libraries.setPermissions(f.admin, lib, [
        { type: 'user', value: 'admin@example.com', role: 'ADMIN' },
        { type: 'user', value: 'reader@example.com', role: 'READER' },
        { type: 'domain', value: 'example.com', role: 'WRITER' },
      ]);
      const permissions = await f.app.store.libraryPermissionsGet(lib);
      const rows = permissions.map((p) => ({ library: 'report', libraryId: lib, type: p.type, user: p.value, role: p.role }));
      const json = await run({ kind: 'permissions', format: 'json' });
      expect(JSON.parse(json.text)).toEqual(rows);
      expect(json.job.result).toMatchObject({ kind: 'permissions', counts: { permissions: 3 }, artifact: { name: `permissions-${json.job.id}.json` } });
      expect(json.job.counts).toMatchObject({ total: 3, succeeded: 3 });
      const csv = await run({ kind: 'permissions', format: 'csv' });
      expect(parseCsv(csv.text)).toEqual([['library', 'libraryId', 'type', 'user', 'role'], ...rows.map((r) => [r.library, r.libraryId, r.type, r.user, r.role])]);
    });

    it('quotes exactly the CSV fields that need it', () => {
      expect(csvField('plain')).toBe('plain');
      expect(csvField('a,b')).toBe('"a,b"');
      expect(csvField('say "hi"')).toBe('"say ""hi"""');
      expect(csvField('two\nlines')).toBe('"two\nlines"');
      expect(csvField('cr\rhere')).toBe('"cr\rhere"');
      expect(csvField(null)).toBe('');
      expect(csvField(42)).toBe('42');
    });
  });
}
