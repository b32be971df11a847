/** `noop {count}`: synthetic items that do nothing, to measure the engine itself (bench only). */
import type { Operation } from '../jobs/operation.js';
import { InvalidArgumentError } from '../domain/errors.js';
import { refuseUnknown } from './params.js';

const CHUNK = 1_000;
const TASKS_PER_STEP = 50;
const MAX_COUNT = 100_000_000;

type Cursor = { next: number };
type Context = { from: number; count: number };

export const noopOperation: Operation<Cursor, Context, never> = {
  type: 'noop',
  sourceRight: 'READER',
  async validate(params) {
    refuseUnknown(params, ['count']);
    const count = params.count;
    if (!Number.isSafeInteger(count) || (count as number) < 0 || (count as number) > MAX_COUNT) {
      throw new InvalidArgumentError(`params.count: required, an integer from 0 to ${MAX_COUNT}`, { field: 'params.count' });
    }
    return { params: { count }, targetLibraryId: null };
  },
  async plan(_ctx, job, cursor) {
    const count = job.params.count as number;
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
