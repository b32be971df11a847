/**
 * Following a job live (`job watch`, `job submit --watch`): the job's event
 * stream (SSE) updates a progress bar on stderr, or one progress line a second
 * when stderr is not a terminal; if the stream cannot be had or drops before
 * the job ends, GET /jobs/{id} is polled instead. Events are snapshots, so a
 * lost one only delays the display.
 */
import cliProgress from 'cli-progress';
import type { ApiClient } from '../client.js';
import { ApiError } from '../errors.js';
import { humanSize } from '../output.js';
import type { ResolvedIO } from './context.js';

export interface JobCounts {
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  remaining: number;
  retries: number;
}

/** The job resource as the API renders it. */
export interface JobView {
  id: number;
  type: string;
  status: string;
  libraryId: string;
  targetLibraryId: string | null;
  requestor: { id: number; email: string; name: string };
  origin: string;
  params: Record<string, unknown>;
  priority: number;
  counts: JobCounts;
  bytes: { total: number; done: number };
  progress: number;
  retryOf: number | null;
  createdAt: string;
  startedAt: string | null;
  lastActivityAt: string;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  result: Record<string, unknown> | null;
}

export const FINAL_STATUSES: readonly string[] = ['completed', 'completed_with_errors', 'failed', 'cancelled'];

export const isFinal = (status: string): boolean => FINAL_STATUSES.includes(status);

export const jobPath = (id: number): string => `/jobs/${id}`;

/** Items with an outcome: succeeded + failed + skipped. */
export function itemsDone(counts: JobCounts): number {
  return counts.succeeded + counts.failed + counts.skipped;
}

// ---------------------------------------------------------------- SSE

export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

/** Server-Sent Events from text chunks (any split): `id:`, `event:`, `data:` lines, a blank line ends a message; comments skipped. */
export async function* parseSse(chunks: AsyncIterable<string>): AsyncGenerator<SseMessage> {
  let buffer = '';
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  const field = (line: string): SseMessage | undefined => {
    if (line === '') {
      const message = data.length > 0 ? { id, event: event || 'message', data: data.join('\n') } : undefined;
      event = '';
      data = [];
      return message;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'data') data.push(value);
    else if (name === 'event') event = value;
    else if (name === 'id') id = value;
    return undefined;
  };
  for await (const chunk of chunks) {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.search(/\r\n|\r|\n/)) !== -1) {
      const line = buffer.slice(0, newline);
      // A lone \r at the very end may be half of \r\n: wait for the next chunk.
      if (buffer[newline] === '\r' && newline === buffer.length - 1) break;
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      const message = field(line);
      if (message) yield message;
    }
  }
}

async function* textOf(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
}

/** Applies an event's snapshot (`{status, counts, bytes, progress, lastActivityAt}`) to the job; an older snapshot than the one shown is ignored. */
export function applySnapshot(job: JobView, data: Record<string, unknown>): JobView {
  if (typeof data.lastActivityAt === 'string' && data.lastActivityAt < job.lastActivityAt && !isFinal(String(data.status))) return job;
  const next = { ...job };
  if (typeof data.status === 'string') next.status = data.status;
  if (data.counts && typeof data.counts === 'object') next.counts = { ...job.counts, ...(data.counts as Partial<JobCounts>) };
  if (data.bytes && typeof data.bytes === 'object') next.bytes = { ...job.bytes, ...(data.bytes as Partial<JobView['bytes']>) };
  if (typeof data.progress === 'number') next.progress = data.progress;
  if (typeof data.lastActivityAt === 'string') next.lastActivityAt = data.lastActivityAt;
  return next;
}

// ---------------------------------------------------------------- rate, ETA, formatting

/** Items per second over a sliding window of samples. */
export class RateMeter {
  private samples: { at: number; done: number }[] = [];
  constructor(private readonly windowMs = 10_000) {}

  add(at: number, done: number): void {
    const last = this.samples.at(-1);
    if (last && done < last.done) this.samples = []; // counters never go back; a reset means a different job
    this.samples.push({ at, done });
    while (this.samples.length > 2 && this.samples[1]!.at <= at - this.windowMs) this.samples.shift();
  }

  /** Items per second, or undefined until two samples a little apart exist. */
  rate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 200) return undefined;
    return ((last.done - first.done) * 1000) / (last.at - first.at);
  }

  /** Milliseconds until `remaining` more items are done at the current rate. */
  etaMs(remaining: number): number | undefined {
    const rate = this.rate();
    if (rate === undefined || rate <= 0) return remaining === 0 ? 0 : undefined;
    return (remaining / rate) * 1000;
  }
}

/** 850ms, 1.2s, 42s, 3m05s, 2h07m. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatRate(rate: number | undefined): string {
  if (rate === undefined) return '- items/s';
  return `${rate < 10 ? rate.toFixed(1) : Math.round(rate)} items/s`;
}

/** `1.2 MiB/5.0 MiB`, or just what is done while the total is unknown. */
export function formatBytes(bytes: JobView['bytes']): string {
  return bytes.total > 0 ? `${humanSize(bytes.done)}/${humanSize(bytes.total)}` : humanSize(bytes.done);
}

/** The total as known so far: `?` before planning has counted anything, `1200+` while it still counts. */
export function formatTotal(job: Pick<JobView, 'status' | 'counts'>): string {
  const stillCounting = job.status === 'queued' || job.status === 'planning';
  if (!stillCounting) return String(job.counts.total);
  return job.counts.total > 0 ? `${job.counts.total}+` : '?';
}

/** One progress line: `job 12 running 45% 450/1000 items, 3 failed, 1.2 MiB/5.0 MiB, 120 items/s, ETA 5s`. */
export function formatProgressLine(job: Pick<JobView, 'id' | 'status' | 'counts' | 'bytes' | 'progress'>, rate: number | undefined, etaMs: number | undefined): string {
  return (
    `job ${job.id} ${job.status} ${job.progress}% ${itemsDone(job.counts)}/${formatTotal(job)} items, ${job.counts.failed} failed, ` +
    `${formatBytes(job.bytes)}, ${formatRate(rate)}, ETA ${formatDuration(etaMs)}`
  );
}

/** How long a finished job ran: from start (or creation, if it never started) to finish. */
export function jobDurationMs(job: Pick<JobView, 'createdAt' | 'startedAt' | 'finishedAt'>): number | undefined {
  if (job.finishedAt === null) return undefined;
  return Date.parse(job.finishedAt) - Date.parse(job.startedAt ?? job.createdAt);
}

/** The line a watch ends with: `job 12 completed: 10 succeeded, 0 failed, 0 skipped in 1.2s`. */
export function formatSummary(job: JobView): string {
  const { succeeded, failed, skipped } = job.counts;
  const error = job.error ? ` (${job.error.code}: ${job.error.message})` : '';
  return `job ${job.id} ${job.status}: ${succeeded} succeeded, ${failed} failed, ${skipped} skipped in ${formatDuration(jobDurationMs(job))}${error}`;
}

// ---------------------------------------------------------------- the display

export type ProgressMode = 'bar' | 'lines' | 'none';

interface Display {
  update(job: JobView): void;
  stop(): void;
}

function createDisplay(io: ResolvedIO, mode: ProgressMode, now: () => number, lineIntervalMs: number): Display {
  const meter = new RateMeter();
  const measure = (job: JobView) => {
    const done = itemsDone(job.counts);
    meter.add(now(), done);
    const remaining = Math.max(0, job.counts.total - done);
    // Until planning ends the total only grows: no honest ETA yet.
    const known = job.status !== 'queued' && job.status !== 'planning' && !isFinal(job.status);
    return { rate: meter.rate(), eta: known ? meter.etaMs(remaining) : undefined };
  };
  if (mode === 'none') return { update: (job) => void measure(job), stop: () => {} };
  if (mode === 'lines') {
    let lastAt = -Infinity;
    let lastLine = '';
    return {
      update(job) {
        const { rate, eta } = measure(job);
        const at = now();
        // The end is the summary's to tell.
        if (isFinal(job.status) || at - lastAt < lineIntervalMs) return;
        const line = formatProgressLine(job, rate, eta);
        if (line === lastLine) return;
        lastAt = at;
        lastLine = line;
        io.stderr(line + '\n');
      },
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'job {jobId} {status} {bar} {progress}% | {value}/{totalText} items | {failed} failed | {bytesText} | {rateText} | ETA {etaText}',
      hideCursor: true,
      clearOnComplete: true,
      emptyOnZero: true,
      barsize: 24,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(job) {
      const { rate, eta } = measure(job);
      const payload = {
        jobId: job.id,
        status: job.status,
        progress: job.progress,
        totalText: formatTotal(job),
        failed: job.counts.failed,
        bytesText: formatBytes(job.bytes),
        rateText: formatRate(rate),
        etaText: formatDuration(eta),
      };
      if (!started) {
        bar.start(job.counts.total, itemsDone(job.counts), payload);
        started = true;
        return;
      }
      bar.setTotal(job.counts.total);
      bar.update(itemsDone(job.counts), payload);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

// ---------------------------------------------------------------- following a job

export interface WatchOptions {
  progress: ProgressMode;
  /** Polling interval when the event stream is not available. */
  pollMs?: number;
  /** While streaming, a job not heard of for this long is re-read (a lost event must not stall the watch). */
  staleMs?: number;
  /** Non-TTY mode prints at most one line per this interval. */
  lineIntervalMs?: number;
  now?: () => number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Follows job `id` until it ends; resolves with the final job as GET /jobs/{id} renders it. */
export async function watchJob(client: ApiClient, id: number, io: ResolvedIO, options: WatchOptions): Promise<JobView> {
  const now = options.now ?? Date.now;
  const display = createDisplay(io, options.progress, now, options.lineIntervalMs ?? 1000);
  const get = () => client.request<JobView>('GET', jobPath(id));
  // Ctrl-C while a bar is drawn: put the cursor back and say the job goes on.
  const onInterrupt = () => {
    display.stop();
    io.stderr(`batchyard: stopped watching; job ${id} goes on (batchyard job watch ${id}, batchyard job cancel ${id})\n`);
    process.exit(130);
  };
  if (options.progress === 'bar') process.once('SIGINT', onInterrupt);
  try {
    let job = await get();
    display.update(job);
    if (!isFinal(job.status)) {
      job = await streamUntilFinal(client, job, display, get, options.staleMs ?? 5000).catch((error: unknown) => {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) throw error;
        return job; // stream unavailable: poll below
      });
      while (!isFinal(job.status)) {
        await sleep(options.pollMs ?? 500);
        job = await get();
        display.update(job);
      }
    }
    // The stream's snapshots lack the timestamps; the summary wants the finished job.
    if (job.finishedAt === null || job.finishedAt === undefined) job = await get();
    display.update(job);
    return job;
  } finally {
    display.stop();
    process.removeListener('SIGINT', onInterrupt);
  }
}

/** Reads the event stream until a final status (or until it fails or ends: the caller then polls). */
async function streamUntilFinal(client: ApiClient, initial: JobView, display: Display, get: () => Promise<JobView>, staleMs: number): Promise<JobView> {
  let job = initial;
  const abort = new AbortController();
  let heardAt = Date.now();
  let checking = false;
  const watchdog = setInterval(() => {
    if (checking || Date.now() - heardAt < staleMs) return;
    checking = true;
    get().then(
      (fresh) => {
        heardAt = Date.now();
        job = fresh;
        display.update(job);
        if (isFinal(job.status)) abort.abort();
      },
      () => {}, // the stream or the poll that follows reports real trouble
    ).finally(() => (checking = false));
  }, Math.min(staleMs, 1000));
  try {
    const response = await client.send('GET', `${jobPath(job.id)}/events`, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
    if (!response.body) return job;
    for await (const message of parseSse(textOf(response.body as ReadableStream<Uint8Array>))) {
      heardAt = Date.now();
      if (message.event !== 'status' && message.event !== 'progress') continue;
      let data: Record<string, unknown>;
      try {
        data = JSON.parse(message.data) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (data.jobId !== undefined && data.jobId !== job.id) continue;
      job = applySnapshot(job, data);
      display.update(job);
      if (isFinal(job.status)) break;
    }
    return job;
  } catch (error) {
    if (abort.signal.aborted) return job; // the watchdog saw the end
    throw error;
  } finally {
    clearInterval(watchdog);
    abort.abort();
  }
}
