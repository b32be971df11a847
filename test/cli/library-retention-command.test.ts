/**
 * `batchyard library retention` run in-process against a real server on
 * every driver: shows the policy, sets it from --keep-* flags (the flags given
 * make the whole policy), clears it, and reports the server's refusals.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { runCli } from '../support/cli-in-process.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/app.js';
import { registerClientCommands } from '../../src/cli/commands/client-commands.js';

const factories = await driverFactories();

beforeAll(() => {
  delete process.env.BATCHYARD_TOKEN; // clientFor falls back to it
});

for (const factory of factories) {
  describe(`library retention command on ${factory.name}`, () => {
    let t: TestApp;
    let url: string;
    beforeAll(async () => {
      t = await startTestApp(factory);
      await t.http.listen({ port: 0, host: '127.0.0.1' });
      url = `http://127.0.0.1:${(t.http.server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await t?.dispose();
    });

    const run = (args: string[]) => runCli(registerClientCommands, { url, token: ADMIN_TOKEN, args });
    async function ok(args: string[]): Promise<string> {
      const ran = await run(args);
      expect(ran.code, `${args.join(' ')}: ${ran.stderr}`).toBe(0);
      return ran.stdout;
    }

    it('shows, sets (the flags given are the whole policy) and clears a library policy', async () => {
      const id = (await ok(['library', 'create', 'Mail'])).trim();
      expect(await ok(['library', 'retention', 'Mail'])).toBe(
        ['keepLast     0', 'keepDaily    0', 'keepWeekly   0', 'keepMonthly  0', 'keepYearly   0', 'keepWithin   -', ''].join('\n'),
      );
      const set = JSON.parse(await ok(['library', 'retention', id, '--keep-daily', '7', '--keep-monthly', '12', '--keep-within', '1y2m', '--json']));
      expect(set).toEqual({ keepLast: 0, keepDaily: 7, keepWeekly: 0, keepMonthly: 12, keepYearly: 0, keepWithin: '1y2m' });
      expect((await t.call('GET', `/api/v1/libraries/${id}`)).body.retention).toEqual(set);
      expect(JSON.parse(await ok(['library', 'retention', 'Mail', '--keep-last', '3', '--json']))).toEqual({ ...set, keepDaily: 0, keepMonthly: 0, keepWithin: null, keepLast: 3 });
      expect(JSON.parse(await ok(['library', 'retention', 'Mail', '--clear', '--json']))).toMatchObject({ keepLast: 0, keepWithin: null });
    });

    it('refusals: a bad count is a usage error (exit 2); a bad duration is the server\'s 400 naming the field (exit 1)', async () => {
      await ok(['library', 'create', 'Checked']);
      const negative = await run(['library', 'retention', 'Checked', '--keep-daily', '-1']);
      expect(negative.code).toBe(2);
      expect(negative.stderr).toContain('--keep-daily');
      const week = await run(['library', 'retention', 'Checked', '--keep-within', '2w']);
      expect(week.code).toBe(1);
      expect(week.stderr).toContain('retention.keepWithin');
      expect((await run(['library', 'retention', 'Checked', '--clear', '--keep-last', '1'])).code).toBe(2);
    });
  });
}
