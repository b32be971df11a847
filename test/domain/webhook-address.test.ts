/** Where a webhook may send: public addresses, or what BATCHYARD_WEBHOOK_ALLOW_HOSTS allows; URLs judged before any resolution. */
import { describe, expect, it } from 'vitest';
import { EMPTY_ALLOW_LIST, isAllowedAddress, parseWebhookAllowList, unmapAddress, webhookUrlProblem } from '../../src/domain/webhook-address.js';

describe('webhook destinations', () => {
  it('refuses private, loopback, link-local, shared, unspecified, multicast and reserved addresses, v4 and v6, and v4 inside v6', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255',
      '::', '::1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '::127.0.0.1']) {
      expect(isAllowedAddress(ip, EMPTY_ALLOW_LIST), ip).toBe(false);
    }
    for (const ip of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isAllowedAddress(ip, EMPTY_ALLOW_LIST), ip).toBe(true);
    expect(isAllowedAddress('not an address', EMPTY_ALLOW_LIST)).toBe(false);
    expect(unmapAddress('::ffff:c0a8:0101')).toBe('192.168.1.1');
  });

  it('allows what the operator lists: addresses, CIDR ranges, host names; refuses an entry that is none of these', () => {
    const allow = parseWebhookAllowList('127.0.0.1, 10.20.0.0/16 fd00::/8,hooks.internal.');
    expect(allow.entries).toEqual(['127.0.0.1', '10.20.0.0/16', 'fd00::/8', 'hooks.internal.']);
    expect(isAllowedAddress('127.0.0.1', allow)).toBe(true);
    expect(isAllowedAddress('::ffff:127.0.0.1', allow)).toBe(true);
    expect(isAllowedAddress('127.0.0.2', allow)).toBe(false);
    expect(isAllowedAddress('10.20.9.9', allow)).toBe(true);
    expect(isAllowedAddress('10.21.0.1', allow)).toBe(false);
    expect(isAllowedAddress('fd00::5', allow)).toBe(true);
    expect(allow.hosts.has('hooks.internal')).toBe(true);
    expect(parseWebhookAllowList('').entries).toEqual([]);
    for (const bad of ['10.0.0.0/33', '10.0.0.0/8/1', 'a b/c', '-bad-', 'http://x', '::1/129', 'host/8']) expect(() => parseWebhookAllowList(bad), bad).toThrow(/is not an address, a CIDR range or a host name/);
  });

  it('judges a URL before resolution: http(s), no credentials, no private literal address or localhost unless allowed', () => {
    expect(webhookUrlProblem('https://hooks.example.com/in', EMPTY_ALLOW_LIST)).toBeUndefined();
    expect(webhookUrlProblem('http://93.184.216.34:8080/x', EMPTY_ALLOW_LIST)).toBeUndefined();
    expect(webhookUrlProblem('not a url', EMPTY_ALLOW_LIST)).toBe('must be an absolute http or https URL');
    expect(webhookUrlProblem('ftp://example.com/', EMPTY_ALLOW_LIST)).toBe('must be an http or https URL');
    expect(webhookUrlProblem('https://u:p@example.com/', EMPTY_ALLOW_LIST)).toBe('must not carry credentials');
    expect(webhookUrlProblem('http://127.0.0.1:9/', EMPTY_ALLOW_LIST)).toMatch(/^127\.0\.0\.1 is a private, loopback or link-local address/);
    expect(webhookUrlProblem('http://[::1]/', EMPTY_ALLOW_LIST)).toMatch(/^::1 is a private/);
    expect(webhookUrlProblem('http://[::ffff:169.254.169.254]/', EMPTY_ALLOW_LIST)).toMatch(/is a private/);
    expect(webhookUrlProblem('http://169.254.169.254/latest/meta-data', EMPTY_ALLOW_LIST)).toMatch(/is a private/);
    expect(webhookUrlProblem('http://localhost:3000/', EMPTY_ALLOW_LIST)).toMatch(/^localhost is a loopback name/);
    // Other spellings of an address are read as the address they spell (WHATWG URL parsing).
    for (const url of ['http://2130706433/', 'http://0x7f.0.0.1/', 'http://127.1/', 'http://017700000001/', 'http://[::ffff:7f00:1]/', 'http://0.0.0.0/']) {
      expect(webhookUrlProblem(url, EMPTY_ALLOW_LIST), url).toMatch(/is a private, loopback or link-local address/);
    }
    expect(webhookUrlProblem('http://app.localhost/', EMPTY_ALLOW_LIST)).toMatch(/loopback name/);
    const allow = parseWebhookAllowList('127.0.0.1,localhost');
    expect(webhookUrlProblem('http://127.0.0.1:9/', allow)).toBeUndefined();
    expect(webhookUrlProblem('http://localhost:9/', allow)).toBeUndefined();
  });
});
