/**
 * One webhook POST, guarded: the destination's addresses are judged after resolution and the
 * connection goes to the address that was judged (the agent's `lookup` is ours, so a name
 * that resolves to another address a moment later, DNS rebinding, is never connected to);
 * redirects are not followed; the whole exchange has a deadline; the response body is read
 * up to a cap and then the connection is dropped.
 */
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { hostOf, isAllowedAddress, isAllowedHostName, type WebhookAllowList } from '../domain/webhook-address.js';

export interface WebhookPostLimits {
  /** The deadline of the whole exchange (connect, send, response head and the body read). */
  timeoutMs: number;
  /** At most this many body bytes are read; then the connection is dropped. */
  bodyCapBytes: number;
  /** How much of the body is kept as the excerpt. */
  excerptBytes: number;
}

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body was longer than the cap (and the connection dropped). */
  truncated: boolean;
}

/** A refusal or a transport failure: no response to record. */
export class WebhookSendError extends Error {
  constructor(
    message: string,
    readonly refused = false,
  ) {
    super(message);
  }
}

const KEPT_HEADERS = 20;
const HEADER_VALUE_MAX = 256;

/** A lookup that resolves every address of the name and refuses it if any is not allowed. */
function guardedLookup(allow: WebhookAllowList, resolve: typeof dns.lookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { all: true, family: options.family ?? 0 }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as dns.LookupAddress[];
      const bad = list.find((a) => !isAllowedAddress(a.address, allow));
      if (bad || list.length === 0) {
        return callback(new WebhookSendError(`${hostname} resolves to ${bad?.address ?? 'no address'}, a private, loopback or link-local address`, true), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

export function webhookPost(
  target: string,
  headers: Record<string, string>,
  body: string,
  allow: WebhookAllowList,
  limits: WebhookPostLimits,
  resolve: typeof dns.lookup = dns.lookup,
): Promise<WebhookResponse> {
  const url = new URL(target);
  const host = hostOf(url);
  const byName = isAllowedHostName(host, allow);
  if (!byName && isIP(host) !== 0 && !isAllowedAddress(host, allow)) {
    return Promise.reject(new WebhookSendError(`${host} is a private, loopback or link-local address`, true));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<WebhookResponse>((resolvePromise, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, value?: WebhookResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolvePromise(value!);
    };
    const req = client.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'batchyard-webhooks' },
      agent: false,
      ...(byName ? {} : { lookup: guardedLookup(allow, resolve) }),
    });
    const timer = setTimeout(() => {
      finish(new WebhookSendError(`no complete answer within ${limits.timeoutMs} ms`));
      req.destroy();
    }, limits.timeoutMs);
    req.on('error', (error) => finish(error instanceof WebhookSendError ? error : new WebhookSendError(error.message)));
    req.on('response', (res) => {
      const kept: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers).slice(0, KEPT_HEADERS)) {
        if (value !== undefined) kept[name] = (Array.isArray(value) ? value.join(', ') : value).slice(0, HEADER_VALUE_MAX);
      }
      const chunks: Buffer[] = [];
      let read = 0;
      let held = 0;
      const done = (truncated: boolean) => {
        // NUL is no text a database column keeps (PostgreSQL refuses it): shown as U+FFFD.
        const text = Buffer.concat(chunks).subarray(0, limits.excerptBytes).toString('utf8').replaceAll('\u0000', '\uFFFD');
        finish(undefined, { status: res.statusCode ?? 0, headers: kept, body: text, truncated });
      };
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = limits.bodyCapBytes - read;
        read += chunk.length;
        if (held < limits.excerptBytes) {
          chunks.push(chunk);
          held += chunk.length;
        }
        if (chunk.length > room) {
          done(true);
          res.destroy();
          req.destroy();
        }
      });
      res.on('end', () => done(false));
      res.on('error', (error) => finish(new WebhookSendError(error.message)));
    });
    req.end(body);
  });
}
