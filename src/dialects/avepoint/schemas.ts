/**
 * TypeBox schemas of AvePoint's `GET /backup/google/admin/jobs`: the query
 * (canonical parameter names; query.ts folds the client's spelling into them
 * first) and the `{status, message, jobs, nextLink}` page and `{status,
 * message}` error it answers with. Routes carrying them are hidden from the
 * native OpenAPI document.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DATA_SOURCE_CODES, JOB_TYPE_CODES, STATUS_CODES } from './mapping.js';

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;
/** Keeps `pageIndex × pageSize` an offset the databases take. */
export const MAX_PAGE_INDEX = 1_000_000;
export const MAX_NEXT_LINK = 4096;

export const AveJobsQuery = Type.Object({
  dataSource: Type.Optional(Type.Integer({ enum: DATA_SOURCE_CODES, default: 1 })),
  /** One app type or a sum of them (they are bit flags); checked by appTypeFlags. */
  appType: Type.Optional(Type.Integer({ minimum: 1 })),
  pageIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PAGE_INDEX, default: 0 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })),
  jobType: Type.Optional(Type.Integer({ enum: JOB_TYPE_CODES })),
  jobStatus: Type.Optional(Type.Integer({ enum: STATUS_CODES })),
  startTime: Type.Optional(Type.String({ maxLength: 64 })),
  finishTime: Type.Optional(Type.String({ maxLength: 64 })),
  nextLink: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_NEXT_LINK })),
  /** Never from the client: the keyset cursor query.ts takes out of `nextLink`. */
  cursor: Type.Optional(Type.String()),
});
export type AveJobsQuery = Static<typeof AveJobsQuery>;

/** What each parameter takes, for the 400 that names it. */
export const PARAMETER_RULES: Readonly<Record<string, string>> = Object.freeze({
  dataSource: `one of ${DATA_SOURCE_CODES.join(', ')} (1 Admin, 2 ReCenter)`,
  appType: '1 Gmail, 2 Drive, 4 Calendar, 8 Contacts, 64 Shared drives, 128 Classroom, 4096 Chat, or a sum of them',
  pageIndex: `an integer from 0 to ${MAX_PAGE_INDEX}`,
  pageSize: `an integer from 1 to ${MAX_PAGE_SIZE}`,
  jobType: `one of ${JOB_TYPE_CODES.join(', ')} (1 Backup, 2 Restore, 3 Export, 4 Delete, 5 Retention, 6 Generate Report)`,
  jobStatus: `one of ${STATUS_CODES.join(', ')} (0 In progress, 2 Finished, 3 Failed, 7 Finished with exception)`,
  startTime: 'an ISO 8601 UTC time, e.g. 2024-12-12T00:00:00Z',
  finishTime: 'an ISO 8601 UTC time, e.g. 2024-12-13T00:00:00Z',
  nextLink: 'the nextLink of a previous page',
});

const Time = Type.Union([Type.String(), Type.Null()]);

export const AveJob = Type.Object({
  jobId: Type.String(),
  appType: Type.Integer(),
  jobType: Type.Integer(),
  dataSource: Type.Integer(),
  status: Type.Integer(),
  progress: Type.Number(),
  startTime: Time,
  finishTime: Time,
  operator: Type.String(),
});
export type AveJob = Static<typeof AveJob>;

export const AveJobsPage = Type.Object({
  status: Type.Integer(),
  message: Type.String(),
  jobs: Type.Array(AveJob),
  /** Absent on the last page. */
  nextLink: Type.Optional(Type.String()),
});
export type AveJobsPage = Static<typeof AveJobsPage>;

export const AveError = Type.Object({ status: Type.Integer(), message: Type.String() });
export type AveError = Static<typeof AveError>;
