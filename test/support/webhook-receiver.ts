/**
 * A local webhook receiver (node:http on 127.0.0.1) whose paths behave as an endpoint may:
 * /ok answers 204, /fail 500, /binary 500 with NUL and invalid UTF-8 bytes, /gone 410, /hang never answers, /redirect 302 to a private
 * address, /endless streams a body until the client drops the connection, /held answers 204
 * to its first `held.answerFirst` requests and holds the rest while `held.holding`. It records each
 * request (headers and body) and lets a test wait for a count of them (no polling sleeps).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  port: number;
  url(path: string): string;
  received: ReceivedRequest[];
  /** Resolves once `count` requests to `path` (any path when omitted) have arrived. */
  waitFor(count: number, path?: string, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** /held: how many requests it answers before it holds the rest (while `holding`). */
  held: { answerFirst: number; holding: boolean };
  /** The webhook-id of each request answered 2xx, in order. */
  answered: string[];
  /** Endless responses whose connection the client dropped, and the bytes each had been sent. */
  endlessDropped: number[];
  waitForEndlessDrop(): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const waiters: Array<() => void> = [];
  const endlessDropped: number[] = [];
  const held = { answerFirst: 0, holding: false };
  const answered: string[] = [];
  let heldSeen = 0;
  const dropWaiters: Array<() => void> = [];
  const notify = (list: Array<() => void>) => {
    for (const w of list.splice(0)) w();
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      notify(waiters);
      switch (path) {
        case '/ok':
          answered.push(String(req.headers['webhook-id']));
          res.writeHead(204).end();
          break;
        case '/held':
          heldSeen++;
          if (held.holding && heldSeen > held.answerFirst) break;
          answered.push(String(req.headers['webhook-id']));
          res.writeHead(204).end();
          break;
        case '/fail':
          res.writeHead(500, { 'content-type': 'text/plain' }).end('server error');
          break;
        case '/binary':
          res.writeHead(500, { 'content-type': 'application/octet-stream' }).end(Buffer.from([0, 1, 2, 0xff, 0xfe, 0x41, 0]));
          break;
        case '/gone':
          res.writeHead(410).end('gone');
          break;
        case '/hang':
          break;
        case '/redirect':
          res.writeHead(302, { location: `http://10.0.0.1/ok` }).end();
          break;
        case '/endless': {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          const chunk = Buffer.alloc(16 * 1024, 120);
          let sent = 0;
          let open = true;
          res.on('close', () => {
            open = false;
            endlessDropped.push(sent);
            notify(dropWaiters);
          });
          const pump = () => {
            while (open && res.write(chunk)) sent += chunk.length;
            if (open) {
              sent += chunk.length;
              res.once('drain', pump);
            }
          };
          pump();
          break;
        }
        default:
          res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    held,
    answered,
    endlessDropped,
    waitFor(count, path, timeoutMs = 15_000) {
      const matching = () => received.filter((r) => path === undefined || r.path === path);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} requests${path ? ` to ${path}` : ''}, got ${matching().length}`)), timeoutMs);
        const check = () => {
          if (matching().length >= count) {
            clearTimeout(timer);
            resolve(matching());
          } else waiters.push(check);
        };
        check();
      });
    },
    waitForEndlessDrop() {
      return new Promise((resolve) => {
        if (endlessDropped.length > 0) resolve();
        else dropWaiters.push(resolve);
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
