/**
 * Where a webhook may send: public addresses only, unless the operator allows more
 * (BATCHYARD_WEBHOOK_ALLOW_HOSTS: host names and addresses or CIDR ranges). Private, loopback,
 * link-local, shared (CGNAT), unspecified, multicast and reserved ranges are refused; an IPv6
 * address that embeds an IPv4 one (::ffff:a.b.c.d) is judged as that IPv4 address. Rules only:
 * resolving a name is the sender's job, which judges every address the name resolves to.
 */
import { BlockList, isIP } from 'node:net';

const FORBIDDEN_V4: ReadonlyArray<[string, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
];
const FORBIDDEN_V6: ReadonlyArray<[string, number]> = [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
];

const forbidden = new BlockList();
for (const [net, prefix] of FORBIDDEN_V4) forbidden.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of FORBIDDEN_V6) forbidden.addSubnet(net, prefix, 'ipv6');

/** What the operator allows beyond public addresses. */
export interface WebhookAllowList {
  /** Host names allowed whatever they resolve to (lower case, no trailing dot). */
  readonly hosts: ReadonlySet<string>;
  /** Addresses and ranges allowed. */
  readonly ranges: BlockList;
  /** The entries as given (for logs and config dumps). */
  readonly entries: readonly string[];
}

export const EMPTY_ALLOW_LIST: WebhookAllowList = { hosts: new Set(), ranges: new BlockList(), entries: [] };

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** An IPv4-mapped or -compatible IPv6 address as its IPv4 form; other addresses unchanged. */
export function unmapAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address) ?? /^::(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (m) return m[1]!;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return address;
}

/**
 * Parses the setting: comma- or space-separated entries, each a host name, an address, or
 * an address range in CIDR form. Throws an Error naming the first entry that is none of these.
 */
export function parseWebhookAllowList(text: string): WebhookAllowList {
  const entries = text.split(/[\s,]+/).filter((e) => e.length > 0);
  const hosts = new Set<string>();
  const ranges = new BlockList();
  for (const entry of entries) {
    const [addr, prefixText, extra] = entry.split('/');
    const bare = addr!.replace(/^\[(.*)\]$/, '$1');
    const family = isIP(bare);
    if (family !== 0) {
      const max = family === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? max : Number(prefixText);
      if (extra !== undefined || !/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max) throw new Error(`'${entry}' is not an address, a CIDR range or a host name`);
      ranges.addSubnet(bare, prefix, family === 4 ? 'ipv4' : 'ipv6');
      continue;
    }
    const host = entry.toLowerCase().replace(/\.$/, '');
    if (prefixText !== undefined || !HOST_NAME.test(host)) throw new Error(`'${entry}' is not an address, a CIDR range or a host name`);
    hosts.add(host);
  }
  return { hosts, ranges, entries };
}

/** True when an address (v4 or v6) may be reached: public, or allowed by the operator. */
export function isAllowedAddress(address: string, allow: WebhookAllowList): boolean {
  const ip = unmapAddress(address);
  const family = isIP(ip);
  if (family === 0) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (allow.ranges.check(ip, type)) return true;
  return !forbidden.check(ip, type);
}

/** The URL's host as a name or address (brackets of an IPv6 literal removed, lower case). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase().replace(/\.$/, '');
}

/** True when the operator allows this host by name. */
export function isAllowedHostName(host: string, allow: WebhookAllowList): boolean {
  return allow.hosts.has(host);
}

/**
 * Why a webhook URL is refused before any resolution, or undefined when it may be used:
 * http(s) only, no credentials, a literal address must be allowed, and `localhost` names
 * count as loopback.
 */
export function webhookUrlProblem(text: string, allow: WebhookAllowList): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  if (text.length > 2000) return 'must be at most 2000 characters';
  const host = hostOf(url);
  if (isAllowedHostName(host, allow)) return undefined;
  if (isIP(host) !== 0) return isAllowedAddress(host, allow) ? undefined : `${host} is a private, loopback or link-local address (allow it with BATCHYARD_WEBHOOK_ALLOW_HOSTS)`;
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is a loopback name (allow it with BATCHYARD_WEBHOOK_ALLOW_HOSTS)`;
  return undefined;
}
