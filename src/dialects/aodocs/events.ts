/**
 * ApiJobEvent pages (GET /job/v1/events/{jobId}): a job's state changes
 * (JobService.jobEvents, status events only) followed by its per-item failures
 * (JobService.failures), one opaque `pageToken` walking both in turn. Severity:
 * a failure or a FAILED state is ERROR, COMPLETED with failures or CANCELLED is
 * WARN, any other state INFO; `onlyErrors` keeps the ERROR ones.
 */
import type { Principal } from '../../domain/types.js';
import type { JobStatus } from '../../domain/jobs.js';
import type { JobService } from '../../services/job-service.js';
import { decodeCursor, encodeCursor } from '../../domain/cursor.js';
import { InvalidArgumentError } from '../../domain/errors.js';
import { AODOCS_STATUS_BY_NATIVE } from './mapping.js';
import { renameField } from '../kit/index.js';

export type Severity = 'INFO' | 'WARN' | 'ERROR';

export interface ApiJobEvent {
  kind: 'aodocs#jobEvent';
  severity: Severity;
  message: string;
  /** Epoch ms; absent on per-item failures, which record no time. */
  timestamp?: number;
}

/** Where a page ends: in the state changes (after event `after`) or in the failures (at service cursor `cursor`). */
interface Position {
  phase: 's' | 'f';
  after: number;
  cursor: string;
}

const tagOf = (jobId: number, onlyErrors: boolean) => `aodocs-events:${jobId}:${onlyErrors ? 'e' : 'a'}`;

function severityOf(status: JobStatus): Severity {
  if (status === 'failed') return 'ERROR';
  if (status === 'completed_with_errors' || status === 'cancelled') return 'WARN';
  return 'INFO';
}

function statusMessage(data: Record<string, unknown>): { status: JobStatus; message: string } {
  const status = data.status as JobStatus;
  const counts = (data.counts ?? {}) as Record<string, number>;
  const aodocs = AODOCS_STATUS_BY_NATIVE[status] ?? 'IN_PROGRESS';
  const message =
    `Job ${aodocs} (${status}): ${counts.succeeded ?? 0} succeeded, ${counts.failed ?? 0} failed, ` +
    `${counts.skipped ?? 0} skipped, ${counts.remaining ?? 0} remaining of ${counts.total ?? 0}`;
  return { status, message };
}

function decodePosition(jobId: number, onlyErrors: boolean, token: string | undefined): Position {
  if (token === undefined || token === '') return { phase: 's', after: 0, cursor: '' };
  const position = decodeCursor(tagOf(jobId, onlyErrors), token, { phase: 'string', after: 'number', cursor: 'string' }, 'pageToken');
  if (position.phase !== 's' && position.phase !== 'f') throw new InvalidArgumentError('pageToken: not a valid cursor', { field: 'pageToken' });
  return position as Position;
}

export async function listJobEvents(
  jobs: JobService,
  caller: Principal,
  jobId: number,
  q: { onlyErrors: boolean; maxResults: number; pageToken?: string },
): Promise<{ events: ApiJobEvent[]; nextPageToken?: string }> {
  let position = decodePosition(jobId, q.onlyErrors, q.pageToken);
  const events: ApiJobEvent[] = [];
  while (events.length < q.maxResults) {
    const wanted = q.maxResults - events.length;
    if (position.phase === 's') {
      const rows = await jobs.jobEvents(caller, jobId, position.after, wanted);
      for (const row of rows) {
        if (row.kind !== 'status') continue;
        const { status, message } = statusMessage(row.data);
        const severity = severityOf(status);
        if (q.onlyErrors && severity !== 'ERROR') continue;
        events.push({ kind: 'aodocs#jobEvent', severity, message, timestamp: row.createdAt });
      }
      const last = rows.at(-1);
      position = rows.length < wanted || !last ? { phase: 'f', after: 0, cursor: '' } : { phase: 's', after: last.id, cursor: '' };
    } else {
      const page = await jobs.failures(caller, jobId, { limit: wanted, cursor: position.cursor === '' ? undefined : position.cursor }).catch((error: unknown) => {
        throw renameField(error, { cursor: 'pageToken' });
      });
      for (const f of page.failures) {
        const attempts = f.attempts === 1 ? '1 attempt' : `${f.attempts} attempts`;
        events.push({ kind: 'aodocs#jobEvent', severity: 'ERROR', message: `${f.path}: ${f.code}: ${f.message} (after ${attempts})`, ...(f.failedAt === null ? {} : { timestamp: f.failedAt }) });
      }
      if (page.nextCursor === null) return { events };
      position = { phase: 'f', after: 0, cursor: page.nextCursor };
    }
  }
  return { events, nextPageToken: encodeCursor(tagOf(jobId, q.onlyErrors), { ...position }) };
}
