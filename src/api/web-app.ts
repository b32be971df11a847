/**
 * The dashboard: the React app the build puts in dist/web (found beside the
 * compiled server, not from the working directory), served at `/`. Its
 * assets (`/assets/…`, content-hashed names) are cached for a year as
 * immutable; its HTML shell is revalidated on every load (`no-cache`) and is
 * also the page of every client-side address (`/jobs/42`,
 * `/libraries/x/files/a/b`): any GET that accepts text/html on a path the
 * server's routes leave alone. A path under a first segment some route uses
 * (`/api/…`, the vendor dialects' prefixes, `/healthz`, `/readyz`, `/assets/…`) keeps
 * its JSON 404. Without a build, `/` and those pages answer a 503 saying so.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';

/** dist/web, beside dist/api where this file is compiled to. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url));

/** The shell's policy: its scripts, styles, fonts and API calls from this origin only; no inline script, no framing. */
export const SHELL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const YEAR_MS = 365 * 86_400_000;
/** A file at the top of the build (favicon.ico, robots.txt): served as it is, revalidated like the shell. */
const TOP_LEVEL_FILE = /^\/([A-Za-z0-9_-][A-Za-z0-9._-]*\.[A-Za-z0-9]+)$/;

export interface WebAppOptions {
  /** The built dashboard (default dist/web beside the compiled server). */
  webDir?: string | undefined;
}

/** The first segment of every route's path: a GET under one of them is the API's, never the dashboard's. */
export function collectRouteSegments(app: FastifyInstance): ReadonlySet<string> {
  const segments = new Set<string>();
  app.addHook('onRoute', (route) => {
    const first = route.url.split('/')[1] ?? '';
    if (first !== '' && !first.startsWith(':') && !first.startsWith('*')) segments.add(first);
  });
  return segments;
}

/**
 * Serves the dashboard (assets, `/`); returns the not-found step that answers
 * a page address with the shell (true when it answered).
 */
export async function registerWebApp(
  app: FastifyInstance,
  options: WebAppOptions & { routeSegments: ReadonlySet<string> },
): Promise<(request: FastifyRequest, reply: FastifyReply) => boolean> {
  const webDir = path.resolve(options.webDir ?? DEFAULT_WEB_DIR);
  const shell = path.join(webDir, 'index.html');
  await app.register(fastifyStatic, {
    root: path.join(webDir, 'assets'),
    prefix: '/assets/',
    wildcard: true,
    index: false,
    dotfiles: 'ignore',
    cacheControl: true,
    maxAge: YEAR_MS,
    immutable: true,
    // Missing before the dashboard is built; files are looked up per request, so a build made later is served.
    suppressWarning: true,
  });

  const sendShell = (reply: FastifyReply) => {
    if (!fs.existsSync(shell)) {
      return reply
        .status(503)
        .header('cache-control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send(`The batchyard dashboard was not built: ${shell} is missing.\nBuild it with \`npm run build\` (the web app goes to dist/web); the API at /api/v1 works without it.\n`);
    }
    return reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', SHELL_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .sendFile('index.html', webDir, { cacheControl: false });
  };

  app.get('/', { schema: { hide: true } }, async (_request, reply) => sendShell(reply));

  return (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const pathname = request.url.split('?')[0] ?? '/';
    const first = pathname.split('/')[1] ?? '';
    if (options.routeSegments.has(first)) return false;
    const file = TOP_LEVEL_FILE.exec(pathname)?.[1];
    if (file !== undefined && file !== 'index.html' && isFile(path.join(webDir, file))) {
      void reply.header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').sendFile(file, webDir, { cacheControl: false });
      return true;
    }
    if (!String(request.headers.accept ?? '').includes('text/html')) return false;
    void sendShell(reply);
    return true;
  };
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
