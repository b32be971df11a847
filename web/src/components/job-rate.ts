/**
 * Rate and ETA of running jobs, from the counters seen over time (each list
 * load and each progress event adds a sample). The rate is over the last
 * WINDOW_MS of samples, so it follows the job's current pace.
 */
import type { Job } from '../api/types';

const WINDOW_MS = 20_000;
const MAX_SAMPLES = 64;

interface Sample {
  at: number;
  items: number;
  bytes: number;
}

export interface JobPace {
  /** items per second; null until two samples apart in time */
  itemsPerSecond: number | null;
  bytesPerSecond: number | null;
  /** ms until the remaining items are done at this pace; null when unknown */
  etaMs: number | null;
}

const samples = new Map<number, Sample[]>();

function itemsDone(job: Pick<Job, 'counts'>): number {
  return job.counts.succeeded + job.counts.failed + job.counts.skipped;
}

/** Records the job's counters as seen now. */
export function recordSample(job: Pick<Job, 'id' | 'counts' | 'bytes'>, at = Date.now()): void {
  let list = samples.get(job.id);
  if (!list) {
    list = [];
    samples.set(job.id, list);
  }
  const last = list[list.length - 1];
  const sample = { at, items: itemsDone(job), bytes: job.bytes.done };
  if (last && last.items === sample.items && last.bytes === sample.bytes && at - last.at < 1000) return;
  list.push(sample);
  while (list.length > MAX_SAMPLES || (list.length > 2 && at - list[0]!.at > WINDOW_MS && at - list[1]!.at >= 1000)) list.shift();
}

export function paceOf(job: Pick<Job, 'id' | 'counts' | 'bytes'>): JobPace {
  const list = samples.get(job.id);
  const first = list?.[0];
  const last = list?.[list.length - 1];
  if (!first || !last || last.at - first.at < 500) return { itemsPerSecond: null, bytesPerSecond: null, etaMs: null };
  const seconds = (last.at - first.at) / 1000;
  const itemsPerSecond = (last.items - first.items) / seconds;
  const bytesPerSecond = (last.bytes - first.bytes) / seconds;
  const remaining = job.counts.remaining;
  const etaMs = itemsPerSecond > 0 && remaining >= 0 ? (remaining / itemsPerSecond) * 1000 : null;
  return { itemsPerSecond, bytesPerSecond, etaMs };
}

/** Forgets an ended job's samples. */
export function forgetSamples(jobId: number): void {
  samples.delete(jobId);
}
