/** The webhooks' setting read from the environment: which private destinations they may reach. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { InvalidArgumentError } from '../../src/domain/errors.js';

describe('webhook settings', () => {
  it('reads BATCHYARD_WEBHOOK_ALLOW_HOSTS (none by default) as host names, addresses and CIDR ranges, refusing an entry that is none of these', () => {
    expect(loadConfig({}, {}).webhookAllowHosts).toEqual([]);
    expect(loadConfig({}, { BATCHYARD_WEBHOOK_ALLOW_HOSTS: '127.0.0.1, 10.0.0.0/8,hooks.internal ::1' }).webhookAllowHosts).toEqual(['127.0.0.1', '10.0.0.0/8', 'hooks.internal', '::1']);
    expect(() => loadConfig({}, { BATCHYARD_WEBHOOK_ALLOW_HOSTS: '10.0.0.0/40' })).toThrow(InvalidArgumentError);
    expect(() => loadConfig({}, { BATCHYARD_WEBHOOK_ALLOW_HOSTS: 'http://x/' })).toThrow(/BATCHYARD_WEBHOOK_ALLOW_HOSTS: 'http:\/\/x\/' is not an address/);
  });
});
