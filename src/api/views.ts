/** Native JSON renderings of records (times as ISO 8601 UTC). */
import type { Item, User, Domain } from '../domain/types.js';
import type { Job } from '../domain/jobs.js';
import { progressOf } from '../domain/jobs.js';
import { isoTime } from './iso-time.js';

export const iso = isoTime;
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export function itemView(item: Item) {
  return {
    id: item.id,
    libraryId: item.libraryId,
    path: item.path,
    name: item.path === '/' ? '' : item.name,
    kind: item.kind,
    size: item.size,
    sha256: item.sha256,
    contentType: item.contentType,
    createdAt: iso(item.createdAt),
    modifiedAt: iso(item.modifiedAt),
    trashedAt: isoOrNull(item.trashedAt),
  };
}

export function userView(user: User, domain: Domain | string) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    domain: typeof domain === 'string' ? domain : domain.name,
  };
}

export function jobView(job: Job, requestor: Pick<User, 'id' | 'email' | 'name'>) {
  return {
    id: job.id,
    type: job.type,
    status: job.status,
    libraryId: job.libraryId,
    targetLibraryId: job.targetLibraryId,
    requestor: { id: requestor.id, email: requestor.email, name: requestor.name },
    origin: job.origin,
    params: job.params,
    priority: job.priority,
    counts: job.counts,
    bytes: job.bytes,
    progress: progressOf(job),
    retryOf: job.retryOf,
    createdAt: iso(job.createdAt),
    startedAt: isoOrNull(job.startedAt),
    lastActivityAt: iso(job.lastActivityAt),
    finishedAt: isoOrNull(job.finishedAt),
    error: job.error,
    result: job.result,
  };
}
