/** `noop {count}`: synthetic items that do nothing, to measure the engine itself (bench only). */
import type { Operation } from '../jobs/operation.js';
import { NoopParams } from '../domain/job-params/index.js';

const CHUNK = 1_000;
const TASKS_PER_STEP = 50;

type Cursor = { next: number };
type Context = { from: number; count: number };

export const noopOperation: Operation<typeof NoopParams, Cursor, Context, never> = {
  type: 'noop',
  params: NoopParams,
  sourceRight: 'READER',
  async validate(params) {
    return { params, targetLibraryId: null };
  },
  async plan(_ctx, job, cursor) {
    const count = job.params.count;
    let next = cursor?.next ?? 0;
    const tasks = [];
    while (next < count && tasks.length < TASKS_PER_STEP) {
      const n = Math.min(CHUNK, count - next);
      tasks.push({ phase: 1, context: { from: next, count: n }, entries: [], itemCount: n });
      next += n;
    }
    return { tasks, failures: [], cursor: next < count ? { next } : null };
  },
  async apply(_tx, _ctx, _job, task) {
    return { succeeded: task.context.count, skipped: 0, failures: [] };
  },
};
