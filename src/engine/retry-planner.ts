/**
 * Plans a retry job: replays the original job's per-item failures as tasks,
 * each with the phase and context it first ran with (selection failures are
 * replayed as root refs the operation resolves again), in failure-id order,
 * a bounded step at a time.
 */
import type { Store } from '../store/store.js';
import type { Job } from '../domain/jobs.js';
import type { PlanStep, PlannedTask } from '../jobs/operation.js';

const CHUNK = 500;
const PER_STEP = 5_000;

export async function planRetry(store: Store, job: Job, cursor: { afterId: number } | null): Promise<PlanStep<{ afterId: number }>> {
  const failures = await store.failureList({ jobId: job.retryOf!, afterId: cursor?.afterId, limit: PER_STEP });
  const tasks: PlannedTask[] = [];
  let current: (PlannedTask & { key: string }) | undefined;
  for (const f of failures) {
    const key = `${f.phase}\u0000${f.context}`;
    if (!current || current.key !== key || current.entries.length >= CHUNK) {
      current = { key, phase: f.phase, context: JSON.parse(f.context) as unknown, entries: [] };
      tasks.push(current);
    }
    current.entries.push(JSON.parse(f.entry) as unknown);
  }
  const last = failures.at(-1);
  return {
    tasks: tasks.map(({ phase, context, entries }) => ({ phase, context, entries })),
    failures: [],
    cursor: failures.length === PER_STEP && last ? { afterId: last.id } : null,
  };
}
