/**
 * A job's `result` built up by its tasks: each adds its counters inside its
 * own transaction, under the job row's lock (the lock every task's commit
 * takes anyway, for the job's counts), so concurrent tasks never lose one
 * another's numbers and a task rolled back adds nothing.
 */
import type { Store } from '../store/store.js';

/** Counters: numbers add up, objects merge key by key, lists append (up to `LIST_LIMIT` entries); strings, booleans and null replace. */
export type ResultDelta = { [key: string]: number | string | boolean | null | ResultDelta | unknown[] };

export const LIST_LIMIT = 100;

function merge(into: Record<string, unknown>, delta: ResultDelta): Record<string, unknown> {
  const out: Record<string, unknown> = { ...into };
  for (const [key, value] of Object.entries(delta)) {
    const current = out[key];
    if (typeof value === 'number') out[key] = (typeof current === 'number' ? current : 0) + value;
    else if (Array.isArray(value)) out[key] = [...(Array.isArray(current) ? current : []), ...value].slice(0, LIST_LIMIT);
    else if (value === null || typeof value !== 'object') out[key] = value;
    else out[key] = merge(current !== null && typeof current === 'object' && !Array.isArray(current) ? (current as Record<string, unknown>) : {}, value);
  }
  return out;
}

/** Adds `delta` to the job's result (inside the caller's transaction). */
export async function addToJobResult(tx: Store, jobId: number, delta: ResultDelta): Promise<void> {
  const job = await tx.jobGetForUpdate(jobId);
  if (!job) return;
  await tx.jobSetResult({ id: jobId, result: merge(job.result ?? {}, delta) });
}
