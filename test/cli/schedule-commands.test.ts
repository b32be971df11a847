/**
 * `schedule add|list|rm|run-now`, run in-process against a real server (HTTP on a port) on
 * every driver: params from the job flags or --params, the server's refusals as the CLI's
 * errors; and the table row, pure.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { runCli } from '../support/cli-in-process.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/app.js';
import { registerClientCommands } from '../../src/cli/commands/client-commands.js';
import { registerScheduleCommands, scheduleRow, parseScheduleId } from '../../src/cli/commands/schedule-commands.js';
import { CliError } from '../../src/cli/errors.js';

const factories = await driverFactories();

beforeAll(() => {
  delete process.env.BATCHYARD_TOKEN;
});

describe('schedule commands (pure)', () => {
  it('renders a row: next fire, last fire with its outcome and job', () => {
    const base = { id: 7, libraryId: 'LIB1', type: 'report', params: {}, cron: '0 2 * * *', timeZone: 'Europe/Paris', overlap: 'skip' as const, catchUp: 'once' as const, enabled: true };
    expect(scheduleRow({ ...base, nextFires: ['2030-01-02T01:00:00.000Z'], lastFire: { at: '2030-01-01T01:00:00.000Z', outcome: 'started', jobId: 12, error: null } })).toEqual([
      '7', 'report', '0 2 * * *', 'Europe/Paris', 'yes', '2030-01-02 01:00', '2030-01-01 01:00 started (job 12)', 'LIB1',
    ]);
    expect(scheduleRow({ ...base, enabled: false, nextFires: [], lastFire: null })).toEqual(['7', 'report', '0 2 * * *', 'Europe/Paris', 'no', '-', '-', 'LIB1']);
    expect(() => parseScheduleId('0')).toThrow(CliError);
  });
});

for (const factory of factories) {
  describe(`schedule commands against a real server on ${factory.name}`, () => {
    let t: TestApp;
    let url: string;
    beforeEach(async () => {
      t = await startTestApp(factory);
      await t.http.listen({ port: 0, host: '127.0.0.1' });
      url = `http://127.0.0.1:${(t.http.server.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      await t.dispose();
    });

    const run = (args: string[]) =>
      runCli((program, io) => {
        registerClientCommands(program, io);
        registerScheduleCommands(program, io);
      }, { url, token: ADMIN_TOKEN, args });
    async function ok(args: string[]): Promise<string> {
      const ran = await run(args);
      expect(ran.code, `${args.join(' ')}: ${ran.stderr}`).toBe(0);
      return ran.stdout;
    }

    it('adds with job flags or --params, lists, runs now and removes; a refused cron or zone is an error naming it', async () => {
      await ok(['library', 'create', 'Docs']);
      const added = await ok(['schedule', 'add', 'report', '--library', 'Docs', '--cron', '0 2 * * *', '--time-zone', 'Europe/Paris', '--format', 'json']);
      const id = Number(/^schedule (\d+) enabled\n/.exec(added)![1]);
      expect(added.match(/ {2}next: \S+Z\n/g)).toHaveLength(5);
      const second = JSON.parse(await ok(['schedule', 'add', 'report', '--library', 'Docs', '--cron', '30 6 * * 1', '--time-zone', 'UTC', '--params', '{"format":"csv","kind":"permissions"}', '--overlap', 'queue', '--catch-up', 'none', '--disabled', '--json']));
      expect(second).toMatchObject({ type: 'report', params: { format: 'csv', kind: 'permissions' }, overlap: 'queue', catchUp: 'none', enabled: false, nextFires: [] });

      const table = (await ok(['schedule', 'list'])).trim().split('\n');
      expect(table[0]).toMatch(/^\s*ID\s+TYPE\s+CRON\s+ZONE\s+ENABLED\s+NEXT\s+LAST\s+LIBRARY$/);
      expect(table).toHaveLength(3);
      expect(table[1]).toContain('Europe/Paris');
      const listed = JSON.parse(await ok(['schedule', 'list', '--library', 'Docs', '--limit', '1', '--all', '--json']));
      expect(listed.schedules.map((s: { id: number }) => s.id)).toEqual([id, second.id]);

      const ran = await ok(['schedule', 'run-now', String(id)]);
      expect(ran).toMatch(new RegExp(`^job \\d+ queued \\(schedule ${id}\\)\\n$`));
      const busy = await run(['schedule', 'run-now', String(id)]);
      expect(busy.code).not.toBe(0);
      expect(busy.stderr).toMatch(/still queued/);

      const dense = await run(['schedule', 'add', 'report', '--library', 'Docs', '--cron', '* * * * * *', '--time-zone', 'UTC', '--format', 'csv']);
      expect(dense.code).not.toBe(0);
      expect(dense.stderr).toMatch(/cron.*minimum interval is 60 s/);
      const zone = await run(['schedule', 'add', 'report', '--library', 'Docs', '--cron', '0 2 * * *', '--time-zone', 'Nowhere/Here', '--format', 'csv']);
      expect(zone.code).not.toBe(0);
      expect(zone.stderr).toContain('timeZone');
      const flag = await run(['schedule', 'add', 'report', '--library', 'Docs', '--cron', '0 2 * * *', '--destination', '/x']);
      expect(flag.code).toBe(2);

      expect(await ok(['schedule', 'rm', String(id)])).toBe(`schedule ${id} deleted\n`);
      const gone = await run(['schedule', 'rm', String(id)]);
      expect(gone.code).not.toBe(0);
      expect(JSON.parse(await ok(['schedule', 'list', '--json'])).schedules).toHaveLength(1);
    });
  });
}
