/** The job words the server uses (src/domain/jobs.ts), for the dashboard's filters, badges and rules. */

export const JOB_STATUSES = ['queued', 'planning', 'running', 'cancelling', 'completed', 'completed_with_errors', 'failed', 'cancelled'] as const;
export const ACTIVE_STATUSES: readonly string[] = ['queued', 'planning', 'running', 'cancelling'];

/** Every job type a server may run (noop only where bench jobs are enabled). */
export const JOB_TYPES = ['copy', 'move', 'trash', 'restore', 'purge', 'empty_trash', 'export', 'import', 'extract', 'replicate', 'report', 'verify', 'backup', 'restore_backup', 'retention', 'noop'] as const;

/** Types whose failed items cannot be re-run as a retry job (they make one result). */
export const NOT_RETRYABLE: readonly string[] = ['export', 'report', 'backup', 'retention'];

/** The library right a type needs on its source library (the server checks it again on retry). */
export const SOURCE_RIGHT: Readonly<Record<string, 'READER' | 'WRITER'>> = {
  copy: 'READER',
  export: 'READER',
  replicate: 'READER',
  report: 'READER',
  verify: 'READER',
  noop: 'READER',
};

export const JOB_ORDERS = ['created_desc', 'created_asc', 'started_desc', 'started_asc', 'last_activity_desc', 'last_activity_asc'] as const;

export function isActive(status: string): boolean {
  return ACTIVE_STATUSES.includes(status);
}

export function statusLabel(status: string): string {
  return status.replace(/_/g, ' ');
}
