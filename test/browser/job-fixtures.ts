/**
 * Jobs for the dashboard's browser tests, made through the API as the
 * bootstrap admin: a library with files, noop jobs (bench jobs enabled; a
 * task delay makes them run for seconds), a copy that fails on some items.
 */
import type { Page } from 'playwright-core';
import { ADMIN_TOKEN, type Dashboard } from './harness.js';

export interface ApiJob {
  id: number;
  type: string;
  status: string;
  counts: { total: number; succeeded: number; failed: number };
}

/** What startDashboard needs for these jobs: noop jobs, and tasks slow enough to watch (one at a time). */
export const SLOW_ENGINE_ENV = { BATCHYARD_ENABLE_BENCH_JOBS: '1', BATCHYARD_TEST_TASK_DELAY_MS: '200', BATCHYARD_WORKER_CONCURRENCY: '1' };

const FINAL = ['completed', 'completed_with_errors', 'failed', 'cancelled'];

/**
 * dash.api, asked again while the server answers 503 (TRANSIENT: SQLite busy
 * behind running jobs on a loaded machine), as its clients are told to.
 */
export async function call<T = unknown>(dash: Dashboard, method: string, apiPath: string, body?: unknown, token?: string): Promise<{ status: number; body: T }> {
  for (let attempt = 1; ; attempt++) {
    const answer = await dash.api<T>(method, apiPath, body, token);
    if (answer.status !== 503 || attempt >= 10) return answer;
    await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
  }
}

export async function createLibrary(dash: Dashboard, name: string): Promise<string> {
  const created = await call<{ libraryId: string }>(dash, 'POST', '/api/v1/libraries', { name });
  if (created.status !== 201) throw new Error(`library ${name}: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.libraryId;
}

export async function putFile(dash: Dashboard, libraryId: string, filePath: string, text: string): Promise<void> {
  const response = await fetch(new URL(`/api/v1/libraries/${libraryId}/files/${filePath}`, dash.url), {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/plain' },
    body: text,
  });
  if (!response.ok) throw new Error(`PUT ${filePath}: ${response.status} ${await response.text()}`);
}

export async function submitJob(dash: Dashboard, type: string, libraryId: string, params: Record<string, unknown>, token?: string): Promise<ApiJob> {
  const submitted = await call<ApiJob>(dash, 'POST', '/api/v1/jobs', { type, libraryId, params }, token);
  if (submitted.status !== 202) throw new Error(`${type} job: ${submitted.status} ${JSON.stringify(submitted.body)}`);
  return submitted.body;
}

export async function getJob(dash: Dashboard, id: number): Promise<ApiJob> {
  return (await call<ApiJob>(dash, 'GET', `/api/v1/jobs/${id}`)).body;
}

/** Waits (by polling the API) for the job's final status. */
export async function jobEnded(dash: Dashboard, id: number, timeoutMs = 30_000): Promise<ApiJob> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(dash, id);
    if (FINAL.includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A copy that fails on one item of two: /src/a.txt and /src/b.txt into /dst,
 * where /dst/a.txt exists, with onConflict fail. Ends completed_with_errors.
 */
export async function partlyFailedCopy(dash: Dashboard, libraryId: string): Promise<ApiJob> {
  await putFile(dash, libraryId, 'src/a.txt', 'alpha');
  await putFile(dash, libraryId, 'src/b.txt', 'beta');
  await putFile(dash, libraryId, 'dst/a.txt', 'already here');
  const job = await submitJob(dash, 'copy', libraryId, { paths: ['/src/a.txt', '/src/b.txt'], destination: '/dst', onConflict: 'fail' });
  return jobEnded(dash, job.id);
}

/** Polls `read` until `accept` takes its value; the last value in the error otherwise. */
export async function until<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await read();
    if (accept(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Waits for the note an action leaves on the page; if the dialog shows an
 * error instead, fails at once with the server's words (not after a timeout).
 */
export async function actionOutcome(page: Page, text: string | RegExp, timeoutMs = 60_000): Promise<void> {
  const note = page.getByText(text);
  const alert = page.getByRole('dialog').getByRole('alert');
  await note.or(alert).first().waitFor({ timeout: timeoutMs });
  if (!(await note.isVisible()) && (await alert.count()) > 0) throw new Error(`the dialog shows an error instead of ${String(text)}: ${await alert.first().textContent()}`);
}

/** The jobs list's row of a job (by the link that names it). */
export function jobRow(page: Page, type: string, id: number) {
  return page.getByRole('row').filter({ has: page.getByRole('link', { name: `${type} #${id}`, exact: true }) });
}

/** Saves a PNG for the docs when BATCHYARD_SCREENSHOTS=1 (not on every run). */
export async function docsScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.BATCHYARD_SCREENSHOTS !== '1') return;
  await page.screenshot({ path: new URL(`../../docs/screenshots/${name}`, import.meta.url).pathname, fullPage: false });
}
