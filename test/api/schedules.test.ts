/**
 * Schedules over HTTP, on every driver: create, read, list (keyset pages, only what the
 * caller may see), change, delete, run now and the fire history; every bad input a 4xx
 * naming its field (a cron that never fires or fires too often, an unknown zone, params
 * the job type refuses), never a 500.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';

const factories = await driverFactories();
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

for (const factory of factories) {
  describe(`schedules API on ${factory.name}`, () => {
    // One server per driver (a fresh one costs a migration run); each test works in a library of its own.
    let t: TestApp;
    let libraryId: string;
    let libraries = 0;
    beforeAll(async () => {
      t = await startTestApp(factory);
    });
    afterAll(async () => {
      await t.dispose();
    });
    beforeEach(async () => {
      const library = await t.call('POST', '/api/v1/libraries', { json: { name: `docs-${++libraries}` } });
      expect(library.status, JSON.stringify(library.body)).toBe(201);
      libraryId = library.body.libraryId;
    });

    const nightly = () => ({ libraryId, type: 'report', params: { format: 'json' }, cron: '0 2 * * *', timeZone: 'Europe/Paris' });

    async function userToken(email: string): Promise<string> {
      const user = await t.call('POST', '/api/v1/users', { json: { email } });
      expect(user.status, JSON.stringify(user.body)).toBe(201);
      return (await t.call('POST', '/api/v1/tokens', { json: { userId: user.body.id } })).body.token;
    }

    it('creates a schedule with its defaults and next five fires; reads, changes and deletes it', async () => {
      const made = await t.call('POST', '/api/v1/schedules', { json: nightly() });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      expect(made.body).toMatchObject({
        id: expect.any(Number), libraryId, type: 'report', params: { format: 'json', kind: 'inventory' }, cron: '0 2 * * *', timeZone: 'Europe/Paris',
        overlap: 'skip', catchUp: 'once', enabled: true, createdBy: expect.any(Number), lastFire: null,
      });
      const fires: string[] = made.body.nextFires;
      expect(fires).toHaveLength(5);
      for (const f of fires) {
        expect(f).toMatch(ISO);
        // 02:00 in Paris is 00:00 or 01:00 UTC, summer or winter.
        expect(['00:00:00', '01:00:00']).toContain(f.slice(11, 19));
      }
      expect(Date.parse(fires[0]!)).toBeGreaterThan(Date.now());
      expect([...fires].sort()).toEqual(fires);

      const id = made.body.id;
      expect((await t.call('GET', `/api/v1/schedules/${id}`)).body).toEqual(made.body);
      const off = await t.call('PATCH', `/api/v1/schedules/${id}`, { json: { enabled: false, overlap: 'queue', catchUp: 'none' } });
      expect(off.status, JSON.stringify(off.body)).toBe(200);
      expect(off.body).toMatchObject({ enabled: false, overlap: 'queue', catchUp: 'none', nextFires: [] });
      const retimed = await t.call('PATCH', `/api/v1/schedules/${id}`, { json: { enabled: true, cron: '30 6 * * 1', timeZone: 'UTC' } });
      expect(retimed.status, JSON.stringify(retimed.body)).toBe(200);
      expect(retimed.body.nextFires).toHaveLength(5);
      for (const f of retimed.body.nextFires) {
        expect(f.slice(11, 19)).toBe('06:30:00');
        expect(new Date(f).getUTCDay()).toBe(1);
      }
      expect((await t.call('DELETE', `/api/v1/schedules/${id}`)).status).toBe(204);
      expect((await t.call('GET', `/api/v1/schedules/${id}`)).status).toBe(404);
      expect((await t.call('DELETE', `/api/v1/schedules/${id}`)).status).toBe(404);
    });

    it('refuses a cron that never fires or fires more often than the minimum (422 naming cron and the minimum), an unknown zone (400 timeZone), a malformed cron (400 cron)', async () => {
      const post = (over: Record<string, unknown>) => t.call('POST', '/api/v1/schedules', { json: { ...nightly(), ...over } });
      const never = await post({ cron: '0 0 30 2 *' });
      expect(never.status).toBe(422);
      expect(never.body.error.details.field).toBe('cron');
      expect(never.body.error.message).toMatch(/never fires/);
      const everySecond = await post({ cron: '* * * * * *' });
      expect(everySecond.status).toBe(422);
      expect(everySecond.body.error.details).toMatchObject({ field: 'cron', minIntervalSeconds: 60 });
      expect(everySecond.body.error.message).toMatch(/1 s apart.*minimum interval is 60 s/);
      // Dense only in bursts: two fires 30 s apart once an hour.
      expect((await post({ cron: '0,30 0 * * * *' })).status).toBe(422);
      const zone = await post({ timeZone: 'Mars/Olympus_Mons' });
      expect(zone.status).toBe(400);
      expect(zone.body.error.details.field).toBe('timeZone');
      for (const cron of ['every day', '0 0 0 * * * 2030', '61 * * * *', '']) {
        const bad = await post({ cron });
        expect(bad.status, `${cron}: ${JSON.stringify(bad.body)}`).toBe(400);
        expect(bad.body.error.message).toContain('cron');
      }
      expect((await post({ cron: '0 */5 * * * *' })).status).toBe(201);
      expect((await t.call('GET', `/api/v1/schedules?libraryId=${libraryId}`)).body.schedules).toHaveLength(1);
    });

    it('checks params by the job type’s schema and the type itself as POST /jobs does (400 naming the field), and bodies strictly', async () => {
      const post = (json: Record<string, unknown>) => t.call('POST', '/api/v1/schedules', { json });
      const params = await post({ ...nightly(), params: { format: 'xml' } });
      expect(params.status).toBe(400);
      expect(params.body.error.message).toContain('params.format');
      const type = await post({ ...nightly(), type: 'teleport' });
      expect(type.status).toBe(400);
      expect(type.body.error.details.field).toBe('type');
      const extra = await post({ ...nightly(), every: 'day' });
      expect(extra.status).toBe(400);
      const overlap = await post({ ...nightly(), overlap: 'maybe' });
      expect(overlap.status).toBe(400);
      expect(overlap.body.error.message).toContain('overlap');
      const missing = await post({ libraryId, type: 'report', cron: '0 2 * * *' });
      expect(missing.status).toBe(400);
      expect(missing.body.error.message).toContain('timeZone');
      const library = await post({ ...nightly(), libraryId: 'nowhere' });
      expect(library.status).toBe(404);
      const made = await post(nightly());
      const empty = await t.call('PATCH', `/api/v1/schedules/${made.body.id}`, { json: {} });
      expect(empty.status).toBe(400);
      const dense = await t.call('PATCH', `/api/v1/schedules/${made.body.id}`, { json: { cron: '*/10 * * * * *' } });
      expect(dense.status).toBe(422);
      const badParams = await t.call('PATCH', `/api/v1/schedules/${made.body.id}`, { json: { params: { format: 'pdf' } } });
      expect(badParams.status).toBe(400);
      expect(badParams.body.error.message).toContain('params.format');
      expect((await t.call('GET', `/api/v1/schedules/${made.body.id}`)).body).toEqual(made.body);
      expect((await t.call('GET', '/api/v1/schedules/0')).status).toBe(400);
      expect((await t.call('GET', '/api/v1/schedules/99999999999999999999')).status).toBe(400);
      for (const query of ['cursor=bogus', 'cursor=%00', 'limit=NaN', 'limit=0', 'limit=1e309', 'libraryId=%00']) {
        const bad = await t.call('GET', `/api/v1/schedules?${query}`);
        expect(bad.status, query).toBe(400);
        expect(bad.body.error.message, query).toContain(query.split('=')[0]);
      }
      const fires = await t.call('GET', `/api/v1/schedules/${made.body.id}/fires?cursor=${encodeURIComponent('eyJrIjoic2NoZWR1bGVzIiwiaWQiOjF9')}`);
      expect(fires.status).toBe(400);
      expect(fires.body.error.details.field).toBe('cursor');
    });

    it('lists in keyset pages only what the caller may see; others’ schedules are 404 to them; creating needs the job’s rights on the library', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) ids.push((await t.call('POST', '/api/v1/schedules', { json: nightly() })).body.id);
      const first = await t.call('GET', `/api/v1/schedules?libraryId=${libraryId}&limit=2`);
      expect(first.body.schedules.map((s: { id: number }) => s.id)).toEqual(ids.slice(0, 2));
      const second = await t.call('GET', `/api/v1/schedules?libraryId=${libraryId}&limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body).toMatchObject({ schedules: [{ id: ids[2] }], nextCursor: null });
      // Unfiltered, a domain admin sees them among every library's, in id order.
      const all = (await t.call('GET', '/api/v1/schedules?limit=1000')).body.schedules.map((s: { id: number }) => s.id);
      expect(all.filter((id: number) => ids.includes(id))).toEqual(ids);
      expect([...all].sort((a: number, b: number) => a - b)).toEqual(all);

      const bob = await userToken('bob@example.com');
      expect((await t.call('GET', '/api/v1/schedules', { token: bob })).body).toEqual({ schedules: [], nextCursor: null });
      expect((await t.call('GET', `/api/v1/schedules/${ids[0]}`, { token: bob })).status).toBe(404);
      expect((await t.call('PATCH', `/api/v1/schedules/${ids[0]}`, { token: bob, json: { enabled: false } })).status).toBe(404);
      expect((await t.call('POST', `/api/v1/schedules/${ids[0]}/run`, { token: bob })).status).toBe(404);
      expect((await t.call('DELETE', `/api/v1/schedules/${ids[0]}`, { token: bob })).status).toBe(404);
      const refused = await t.call('POST', '/api/v1/schedules', { token: bob, json: nightly() });
      expect([403, 404]).toContain(refused.status);
      // A reader of the library may schedule a report on it, and sees only their own schedule.
      const granted = await t.call('PUT', `/api/v1/libraries/${libraryId}/permissions`, {
        json: { permissions: [{ type: 'user', value: 'admin@example.com', role: 'ADMIN' }, { type: 'user', value: 'bob@example.com', role: 'READER' }] },
      });
      expect(granted.status, JSON.stringify(granted.body)).toBe(200);
      const bobs = await t.call('POST', '/api/v1/schedules', { token: bob, json: nightly() });
      expect(bobs.status, JSON.stringify(bobs.body)).toBe(201);
      expect((await t.call('GET', '/api/v1/schedules', { token: bob })).body.schedules.map((s: { id: number }) => s.id)).toEqual([bobs.body.id]);
      expect((await t.call('GET', `/api/v1/schedules?libraryId=${libraryId}`)).body.schedules).toHaveLength(4);
    });

    it('runs a schedule now (202 job, recorded as a run_now fire; the next tick stays) and refuses a second run while the job has not ended (overlap: skip)', async () => {
      const made = (await t.call('POST', '/api/v1/schedules', { json: nightly() })).body;
      const run = await t.call('POST', `/api/v1/schedules/${made.id}/run`);
      expect(run.status, JSON.stringify(run.body)).toBe(202);
      expect(run.body).toMatchObject({ type: 'report', libraryId, status: 'queued', params: { format: 'json' } });
      const after = (await t.call('GET', `/api/v1/schedules/${made.id}`)).body;
      expect(after.nextFires).toEqual(made.nextFires);
      expect(after.lastFire).toEqual({ at: expect.stringMatching(ISO), outcome: 'started', jobId: run.body.id, error: null });
      const again = await t.call('POST', `/api/v1/schedules/${made.id}/run`);
      expect(again.status).toBe(409);
      expect(again.body.error.details.jobId).toBe(run.body.id);
      const fires = await t.call('GET', `/api/v1/schedules/${made.id}/fires`);
      expect(fires.body).toEqual({ fires: [{ id: expect.any(Number), fireAt: after.lastFire.at, kind: 'run_now', outcome: 'started', jobId: run.body.id, error: null, recordedAt: expect.stringMatching(ISO) }], nextCursor: null });
      // overlap: queue starts another.
      await t.call('PATCH', `/api/v1/schedules/${made.id}`, { json: { overlap: 'queue' } });
      const queued = await t.call('POST', `/api/v1/schedules/${made.id}/run`);
      expect(queued.status).toBe(202);
      const page = await t.call('GET', `/api/v1/schedules/${made.id}/fires?limit=1`);
      expect(page.body.fires.map((f: { jobId: number }) => f.jobId)).toEqual([queued.body.id]);
      const rest = await t.call('GET', `/api/v1/schedules/${made.id}/fires?limit=1&cursor=${page.body.nextCursor}`);
      expect(rest.body.fires.map((f: { jobId: number }) => f.jobId)).toEqual([run.body.id]);
    });
  });
}
