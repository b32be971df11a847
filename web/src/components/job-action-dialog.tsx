import { useEffect, useState, type ReactNode } from 'react';
import { api } from '../api/client';
import type { Job } from '../api/types';
import { ConfirmDialog } from './confirm-dialog';
import { formatCount } from './format';

export type JobAction = 'cancel' | 'retry';

/** The listing filter the bulk action takes (no order, no cursor). */
export interface BulkFilter {
  libraryId?: string;
  status?: string[];
  type?: string;
  requestor?: string;
  createdAfter?: string;
  createdBefore?: string;
}

export type JobActionRequest =
  | { action: JobAction; scope: 'one'; job: Job }
  | { action: JobAction; scope: 'selected'; ids: number[] }
  | { action: JobAction; scope: 'matching'; filter: BulkFilter };

/** POST /api/v1/jobs/actions's answer. */
export interface BulkActionResult {
  action: JobAction;
  matched: number;
  eligible: number;
  acted: number;
  skipped: Array<{ id: number; reason: string }>;
  dryRun: boolean;
}

export interface ActionOutcome {
  message: string;
  /** the job a one-job action answered with (the cancelled job, or the new retry job) */
  job?: Job;
}

const VERB: Record<JobAction, { label: string; done: string; busy: string }> = {
  cancel: { label: 'Cancel', done: 'Cancelled', busy: 'Cancelling…' },
  retry: { label: 'Retry', done: 'Retried', busy: 'Retrying…' },
};

function jobs(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'job' : 'jobs'}`;
}

function skippedSummary(skipped: BulkActionResult['skipped']): string[] {
  const byReason = new Map<string, number>();
  for (const s of skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
  return [...byReason].map(([reason, n]) => `${jobs(n)}: ${reason}`);
}

function bulkBody(request: Exclude<JobActionRequest, { scope: 'one' }>, dryRun: boolean) {
  return request.scope === 'selected' ? { action: request.action, ids: request.ids, dryRun } : { action: request.action, filter: request.filter, dryRun };
}

/**
 * Cancel or retry, confirmed first. On a selection or on everything a query
 * matches, a dry run asks the server how many jobs it would act on, and the
 * question says that exact number ("Cancel 1,234 jobs?") and why the others
 * would be left; then the same request acts.
 */
export function JobActionDialog({ request, onClose, onDone }: { request: JobActionRequest | null; onClose(): void; onDone(outcome: ActionOutcome): void }) {
  const [preview, setPreview] = useState<BulkActionResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setPreview(null);
    setError(null);
    if (request === null || request.scope === 'one') return;
    let live = true;
    setBusy(true);
    api<BulkActionResult>('/jobs/actions', { method: 'POST', body: bulkBody(request, true), idempotent: true })
      .then((result) => live && setPreview(result))
      .catch((caught: unknown) => live && setError(caught))
      .finally(() => live && setBusy(false));
    return () => {
      live = false;
    };
  }, [request]);

  if (request === null) return <ConfirmDialog open={false} title="" confirmLabel="" onConfirm={onClose} onClose={onClose} />;
  const verb = VERB[request.action];

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      if (request.scope === 'one') {
        const job = await api<Job>(`/jobs/${request.job.id}/${request.action}`, { method: 'POST', idempotent: request.action === 'cancel' });
        onDone({ message: request.action === 'cancel' ? `Job ${job.id} is being cancelled.` : `Job ${request.job.id} is retried as job ${job.id}.`, job });
      } else {
        const result = await api<BulkActionResult>('/jobs/actions', { method: 'POST', body: bulkBody(request, false), idempotent: request.action === 'cancel' });
        const left = result.skipped.length > 0 ? ` Left alone: ${skippedSummary(result.skipped).join('; ')}.` : '';
        onDone({ message: `${verb.done} ${jobs(result.acted)}.${left}` });
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  let title: string;
  let body: ReactNode = null;
  let nothing = false;
  if (request.scope === 'one') {
    const { job } = request;
    title = request.action === 'cancel' ? `Cancel job ${job.id}?` : `Retry job ${job.id}?`;
    body = (
      <p>
        {request.action === 'cancel'
          ? `Queued work of this ${job.type} job is dropped; items already running finish and count.`
          : `A new ${job.type} job re-runs the ${formatCount(job.counts.failed)} failed items of this one.`}
      </p>
    );
  } else if (preview === null) {
    title = `${verb.label} jobs`;
    body = error ? null : <p role="status">Counting the jobs…</p>;
    nothing = true;
  } else {
    nothing = preview.eligible === 0;
    title = nothing ? `No job to ${request.action}` : `${verb.label} ${jobs(preview.eligible)}?`;
    const reasons = skippedSummary(preview.skipped);
    body = (
      <>
        <p>
          {request.scope === 'matching' ? `${jobs(preview.matched)} match the query` : `${jobs(preview.matched)} selected`}
          {preview.eligible === preview.matched ? '.' : `; ${formatCount(preview.eligible)} can be ${request.action === 'cancel' ? 'cancelled' : 'retried'}.`}
        </p>
        {reasons.length > 0 && preview.skipped.length < preview.matched - preview.eligible && (
          <p className="muted">Why, for the first {formatCount(preview.skipped.length)} of those left:</p>
        )}
        {reasons.length > 0 && (
          <ul className="muted">
            {reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        )}
      </>
    );
  }

  return (
    <ConfirmDialog
      open
      title={title}
      confirmLabel={request.scope === 'one' ? `${verb.label} job ${request.job.id}` : `${verb.label} ${jobs(preview?.eligible ?? 0)}`}
      busyLabel={verb.busy}
      busy={busy}
      confirmDisabled={nothing}
      error={error}
      onConfirm={() => void confirm()}
      onClose={onClose}
    >
      {body}
    </ConfirmDialog>
  );
}
