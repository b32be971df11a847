/** The dashboard's settings read from the environment: session lifetime, where the build is, which proxies to believe. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseTrustProxy } from '../../src/config.js';
import { InvalidArgumentError } from '../../src/domain/errors.js';

describe('dashboard settings', () => {
  it('reads BATCHYARD_SESSION_TTL (default 12h) as a duration, refusing what is none', () => {
    expect(loadConfig({}, {}).sessionTtlMs).toBe(12 * 3_600_000);
    expect(loadConfig({}, { BATCHYARD_SESSION_TTL: '30m' }).sessionTtlMs).toBe(30 * 60_000);
    expect(() => loadConfig({}, { BATCHYARD_SESSION_TTL: 'forever' })).toThrow(/BATCHYARD_SESSION_TTL/);
    expect(() => loadConfig({}, { BATCHYARD_SESSION_TTL: '0' })).toThrow(InvalidArgumentError);
  });

  it('reads BATCHYARD_WEB_DIR as an absolute directory, unset by default (the build beside the server)', () => {
    expect(loadConfig({}, {}).webDir).toBeUndefined();
    expect(loadConfig({}, { BATCHYARD_WEB_DIR: 'site/web' }).webDir).toBe(path.resolve('site/web'));
  });

  it('reads BATCHYARD_TRUST_PROXY: off by default, on, or the proxies’ addresses', () => {
    expect(loadConfig({}, {}).trustProxy).toBe(false);
    for (const off of ['', 'false', '0', 'off', 'FALSE']) expect(parseTrustProxy(off)).toBe(false);
    for (const on of ['true', '1', 'on', 'True']) expect(parseTrustProxy(on)).toBe(true);
    expect(parseTrustProxy('10.0.0.1, 192.168.0.0/16,::1')).toEqual(['10.0.0.1', '192.168.0.0/16', '::1']);
    expect(() => parseTrustProxy('proxy.example.com')).toThrow(/BATCHYARD_TRUST_PROXY/);
  });
});
