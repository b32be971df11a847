/**
 * One claim round of an engine with `free` worker slots: the claimable jobs in
 * fairness order (priority, then domains in turn, then each job's last turn;
 * jobs.ts jobListClaimable), of which the queued ones (up to SMALL_JOB_GROUP)
 * give their planners together, in one transaction of a few statements, to
 * take one slot as a group (small-jobs.ts), and the others give ready tasks,
 * job after job, until the remaining slots are full.
 */
import type { Store } from '../store/store.js';
import type { ClaimedTask } from '../store/queries/job-tasks.js';
import { SMALL_JOB_GROUP } from './small-jobs.js';

export interface ClaimRound {
  /** Tasks to run one per slot. */
  tasks: ClaimedTask[];
  /** Planners of queued jobs, to run together in one slot. */
  planners: ClaimedTask[];
}

export async function claimRound(store: Store, p: { owner: string; leaseMs: number; now: number; free: number }): Promise<ClaimRound> {
  const { now, owner } = p;
  const leaseUntil = now + p.leaseMs;
  const candidates = await store.jobListClaimable({ now, limit: Math.max(p.free, SMALL_JOB_GROUP) });
  // Queued jobs of the first candidate's priority only: a group never starts a lower priority's job early.
  const top = candidates[0]?.priority;
  const queued = candidates.filter((c) => c.status === 'queued' && c.priority === top).slice(0, SMALL_JOB_GROUP);
  const planners =
    queued.length === 0
      ? []
      : await store.transaction(async (tx) => {
          // Job rows first (in id order), then their tasks: the order cancel and every claim keep.
          const taken = await tx.jobTouchClaimMany({ ids: queued.map((c) => c.id), now });
          return tx.taskClaimPlans({ jobIds: taken.map((t) => t.id), owner, leaseUntil, now });
        });
  let slots = p.free - (planners.length > 0 ? 1 : 0);
  const tasks: ClaimedTask[] = [];
  for (const job of candidates) {
    if (slots <= 0) break;
    if (queued.includes(job)) continue;
    // Job row first, then its tasks: the order every transaction touching both keeps (a cancel
    // locks the job and deletes ready tasks), so they cannot deadlock.
    const claimed = await store.transaction(async (tx) => {
      await tx.jobTouchClaim({ id: job.id, domainId: job.domainId, now });
      return tx.taskClaim({ jobId: job.id, owner, leaseUntil, now, limit: slots });
    });
    tasks.push(...claimed);
    slots -= claimed.length;
  }
  return { tasks, planners };
}
