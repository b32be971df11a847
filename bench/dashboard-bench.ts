/**
 * Issue 11's dashboard target: the jobs page shows its first rows within 1 s
 * of navigation with 1,000,000 jobs stored. `npm run bench -- dashboard
 * [sqlite] [postgres]`: a `batchyard serve` (the built server and its built
 * dashboard) with the engine benchmark's 1M finished jobs, Debian's Chromium
 * driven by playwright-core, signed in with the bootstrap token. Each trial is
 * a new browser context (nothing cached: the shell, the scripts and the API
 * calls all go over the wire) navigating to /jobs?q=…, timed from before the
 * navigation until the first job row (or the "no job matches" notice) is in
 * the page; the browser's own clock (performance.now(), from navigation
 * start) is reported beside the harness's.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { createJobOwners, disposeTarget, LIST_JOBS, seedJobs } from './engine-bench.js';
import { startTarget, TOKEN, type DbKind, type EngineTarget } from './lib/engine-target.js';
import { median } from './lib/file-tree.js';

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.BATCHYARD_CHROMIUM ?? '/usr/bin/chromium';
const TRIALS = Number(process.env.BENCH_DASHBOARD_TRIALS ?? 5);

/** What a user types: the unfiltered list, common filters, and one that matches nothing. */
const QUERIES = ['', 'status:failed', 'type:copy library:"jobs-7"', 'requestor:user5@example.com status:cancelled', 'status:running'];

export interface DashboardTrial {
  /** ms from before page.goto until the first row (or the empty notice) was seen */
  wallMs: number;
  /** the page's performance.now() at that moment: ms since its navigation started */
  browserMs: number;
  rows: boolean;
}

export interface DashboardRun {
  db: DbKind;
  jobs: number;
  queries: Array<{ q: string; trials: DashboardTrial[]; medianWallMs: number; maxWallMs: number; medianBrowserMs: number; rows: boolean }>;
}

const log = (s: string) => process.stderr.write(`dashboard: ${s}\n`);

async function firstRows(browser: Browser, url: string, q: string): Promise<DashboardTrial> {
  const context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 800 } });
  try {
    const signIn = await context.request.post('/api/v1/session', { data: { token: TOKEN } });
    if (signIn.status() !== 200 && signIn.status() !== 201) throw new Error(`sign-in: ${signIn.status()} ${await signIn.text()}`);
    const page = await context.newPage();
    const started = performance.now();
    await page.goto(`/jobs${q === '' ? '' : `?q=${encodeURIComponent(q)}`}`, { waitUntil: 'commit' });
    // Runs in the page (typed by hand: this file is compiled without the DOM library). A function, not
    // a string: the dashboard's CSP forbids eval, which a string predicate needs.
    const handle = await page.waitForFunction(
      () => {
        type El = { textContent: string | null };
        const doc = (globalThis as unknown as { document: { querySelector(s: string): El | null; querySelectorAll(s: string): Iterable<El> } }).document;
        const row = doc.querySelector('tbody tr a[href^="/jobs/"]');
        const empty = [...doc.querySelectorAll('p.notice')].some((p) => (p.textContent ?? '').startsWith('No job matches'));
        return row || empty ? { rows: row !== null, at: performance.now() } : null;
      },
      undefined,
      { polling: 'raf', timeout: 30_000 },
    );
    const wallMs = Math.round(performance.now() - started);
    const seen = (await handle.jsonValue()) as { rows: boolean; at: number };
    return { wallMs, browserMs: Math.round(seen.at), rows: seen.rows };
  } finally {
    await context.close();
  }
}

async function seed(t: EngineTarget): Promise<void> {
  const { requestors, libraries } = await createJobOwners(t);
  log(`${t.db}: seeding ${LIST_JOBS} jobs…`);
  const seconds = await seedJobs(t, libraries, requestors);
  log(`${t.db}: seeded in ${seconds} s`);
}

export async function runDashboardBench(dbs: DbKind[]): Promise<DashboardRun[]> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const runs: DashboardRun[] = [];
  try {
    for (const db of dbs) {
      const t = await startTarget(db, { env: { BATCHYARD_WEB_DIR: path.join(repoDir, 'dist/web') } });
      try {
        await seed(t);
        await firstRows(browser, t.url, ''); // warm-up: the server's first page and the browser's first launch
        const queries: DashboardRun['queries'] = [];
        for (const q of QUERIES) {
          const trials: DashboardTrial[] = [];
          for (let k = 0; k < TRIALS; k++) trials.push(await firstRows(browser, t.url, q));
          const walls = trials.map((x) => x.wallMs);
          queries.push({ q, trials, medianWallMs: median(walls), maxWallMs: Math.max(...walls), medianBrowserMs: median(trials.map((x) => x.browserMs)), rows: trials.every((x) => x.rows) });
          log(`${db}: /jobs?q=${q}: median ${median(walls)} ms, max ${Math.max(...walls)} ms (${trials.every((x) => x.rows) ? 'rows' : 'no match'})`);
        }
        runs.push({ db, jobs: LIST_JOBS, queries });
      } finally {
        await disposeTarget(t);
      }
    }
  } finally {
    await browser.close();
  }
  return runs;
}

export function dashboardTable(runs: DashboardRun[]): string[] {
  const lines = ['| db | query | shows | median ms (browser clock) | slowest of trials ms | ≤ 1,000 ms |', '|---|---|---|---|---|---|'];
  for (const run of runs) {
    for (const q of run.queries) {
      lines.push(`| ${run.db === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${q.q === '' ? '(none)' : `\`${q.q}\``} | ${q.rows ? 'rows' : 'no match notice'} | ${q.medianWallMs} (${q.medianBrowserMs}) | ${q.maxWallMs} | ${q.maxWallMs <= 1000 ? 'yes' : 'no'} |`);
    }
  }
  return lines;
}
