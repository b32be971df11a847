/** The API's shapes, as the dashboard reads them (the server's OpenAPI document is the reference). */

export type UserRole = 'user' | 'admin' | 'super_admin';
export type LibraryRole = 'READER' | 'WRITER' | 'ADMIN';

export interface SessionUser {
  id: number;
  email: string;
  name: string;
  role: UserRole;
  domain: string;
}

export interface Session {
  user: SessionUser;
  csrfToken: string;
  expiresAt: string;
}

/** The server's job statuses (a newer server may add one: shown as it is named). */
export type JobStatus = 'queued' | 'planning' | 'running' | 'cancelling' | 'completed' | 'completed_with_errors' | 'failed' | 'cancelled' | (string & {});

export interface Job {
  id: number;
  type: string;
  status: JobStatus;
  libraryId: string;
  targetLibraryId: string | null;
  requestor: { id: number; email: string; name: string };
  origin: 'admin' | 'self_service' | 'system';
  params: Record<string, unknown>;
  priority: number;
  counts: { total: number; succeeded: number; failed: number; skipped: number; remaining: number; retries: number };
  bytes: { total: number; done: number };
  progress: number;
  retryOf: number | null;
  createdAt: string;
  startedAt: string | null;
  lastActivityAt: string;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  result: Record<string, unknown> | null;
}

export interface JobPage {
  jobs: Job[];
  nextCursor: string | null;
}
