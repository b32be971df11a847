/**
 * A job's timeline as JSON pages: its status changes and its tasks' failed
 * attempts (task-retry, task-failed), with `progress` its progress events too
 * (kept only while the job runs), in order, a keyset page at a time. One
 * job's events commit in id order, so a page never skips one. Who may see the
 * job may read it (JobService.visibleJob).
 */
import type { Store } from '../store/store.js';
import type { Principal } from '../domain/types.js';
import type { JobEventKind } from '../domain/jobs.js';
import type { JobEvent } from '../store/queries/job-events.js';
import { decodeCursor, encodeCursor } from '../domain/cursor.js';
import type { JobService } from './job-service.js';

const WITHOUT_PROGRESS: readonly JobEventKind[] = ['status', 'task-retry', 'task-failed'];

export class JobTimelineService {
  constructor(
    private readonly store: Store,
    private readonly jobs: JobService,
  ) {}

  async page(caller: Principal, id: number, p: { limit: number; cursor?: string; progress?: boolean }): Promise<{ events: JobEvent[]; nextCursor: string | null }> {
    await this.jobs.visibleJob(caller, id);
    const tag = `timeline:${id}`;
    const after = p.cursor === undefined ? 0 : decodeCursor(tag, p.cursor, { id: 'number' }).id;
    const rows = await this.store.eventListForJob({ jobId: id, afterId: after, kinds: p.progress ? undefined : WITHOUT_PROGRESS, limit: p.limit + 1 });
    const events = rows.slice(0, p.limit);
    const last = events.at(-1);
    return { events, nextCursor: rows.length > p.limit && last ? encodeCursor(tag, { id: last.id }) : null };
  }
}
