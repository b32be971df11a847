/**
 * What the signed-in user may do to a job, so the pages offer only that (the
 * server checks again and refuses the rest): whoever may see a job may cancel
 * it (its requestor, the library's ADMIN, a domain admin); a retry also needs
 * the rights a new job of its type needs on its libraries.
 */
import type { Job, SessionUser } from '../api/types';
import { isActive, NOT_RETRYABLE, SOURCE_RIGHT } from './job-vocabulary';
import type { LibrarySummary } from './use-libraries';

const RANK: Record<string, number> = { READER: 1, WRITER: 2, ADMIN: 3 };

export interface JobRights {
  isAdmin: boolean;
  canCancel(job: Job): boolean;
  canRetry(job: Job): boolean;
  /** Whether to offer the actions at all (someone who can only read sees no write buttons). */
  mayAct: boolean;
}

export function jobRights(user: SessionUser, libraries: readonly LibrarySummary[] | undefined, jobs: readonly Job[] = []): JobRights {
  const isAdmin = user.role === 'admin' || user.role === 'super_admin';
  const rank = (libraryId: string) => RANK[libraries?.find((l) => l.libraryId === libraryId)?.currentUserRight ?? ''] ?? 0;
  const sees = (job: Job) => isAdmin || job.requestor.id === user.id || rank(job.libraryId) >= RANK.ADMIN!;
  const canCancel = (job: Job) => isActive(job.status) && sees(job);
  const canRetry = (job: Job) =>
    !isActive(job.status) &&
    job.counts.failed > 0 &&
    !NOT_RETRYABLE.includes(job.type) &&
    (isAdmin || (sees(job) && rank(job.libraryId) >= RANK[SOURCE_RIGHT[job.type] ?? 'WRITER']! && (job.targetLibraryId === null || rank(job.targetLibraryId) >= RANK.WRITER!)));
  const mayAct = isAdmin || (libraries ?? []).some((l) => (RANK[l.currentUserRight] ?? 0) >= RANK.WRITER!) || jobs.some((j) => j.requestor.id === user.id);
  return { isAdmin, canCancel, canRetry, mayAct };
}
