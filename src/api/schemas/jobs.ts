/** Schemas for jobs: the resource, the submit body, the listing query, per-item failures, event streams. */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { JOB_ORDERS, JOB_STATUSES, type JobOrigin, type JobStatus } from '../../domain/jobs.js';
import { MAX_PRIORITY, MIN_PRIORITY } from '../../services/job-service.js';
import { JOB_ACTIONS, MAX_ACTION_IDS, MAX_SKIPPED_LISTED, type JobAction } from '../../services/job-actions.js';
import { MAX_BATCH_JOBS } from '../../services/job-batch.js';
import { LibraryIdParams, NextCursor } from './common.js';

/**
 * `T | null` as one schema with a type list, not an `anyOf`: the response
 * serializer then writes the value directly instead of validating each row
 * against every branch to choose one (which took ~12% of a listing's CPU).
 */
function Nullable<T extends TSchema & { type: string }>(schema: T, options: { description?: string } = {}) {
  return Type.Unsafe<Static<T> | null>({ ...schema, ...options, type: [schema.type, 'null'] });
}

/** An enumeration of strings as `enum` (one check), not an `anyOf` of constants. */
function StringEnum<T extends string>(values: readonly T[]) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values] });
}

const JOB_PARAMS_DESCRIPTION = "The params as validated by the job's type (paths normalized, defaults filled in): the schema of its `type`.";

const IsoTime = Type.String({ format: 'date-time' });
const IsoTimeOrNull = Nullable(IsoTime);

export const JobBody = Type.Object(
  {
    id: Type.Integer(),
    type: Type.String({ examples: ['trash'] }),
    status: StringEnum<JobStatus>(JOB_STATUSES),
    libraryId: Type.String(),
    targetLibraryId: Nullable(Type.String()),
    requestor: Type.Object({ id: Type.Integer(), email: Type.String(), name: Type.String() }),
    origin: StringEnum<JobOrigin>(['admin', 'self_service', 'system']),
    params: Type.Record(Type.String(), Type.Unknown(), { description: JOB_PARAMS_DESCRIPTION }),
    priority: Type.Integer(),
    counts: Type.Object({
      total: Type.Integer({ description: 'Items selected; final once planning has finished.' }),
      succeeded: Type.Integer(),
      failed: Type.Integer(),
      skipped: Type.Integer(),
      remaining: Type.Integer(),
      retries: Type.Integer(),
    }),
    bytes: Type.Object({ total: Type.Integer(), done: Type.Integer() }),
    progress: Type.Integer({ minimum: 0, maximum: 100 }),
    retryOf: Nullable(Type.Integer(), { description: 'The job whose failed items this job re-runs.' }),
    createdAt: IsoTime,
    startedAt: IsoTimeOrNull,
    lastActivityAt: IsoTime,
    finishedAt: IsoTimeOrNull,
    error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
    result: Nullable(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'Job', title: 'Job' },
);

/**
 * The submit body Fastify checks: the envelope. `params` is then checked by
 * JobService.submit against the schema of `type` (the same check the
 * dialects get), so an error names the exact field (`params.paths[2]`)
 * instead of ajv's errors for every branch of a `oneOf`. The OpenAPI
 * document shows `documentedJobInput`, the same rules as one schema.
 */
export const JobInput = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 64, description: 'copy, move, trash, restore, purge, empty_trash, …', examples: ['trash'] }),
    libraryId: LibraryIdParams.properties.libraryId,
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Per type: e.g. trash {paths} or {itemIds}.' })),
    priority: Type.Optional(Type.Integer({ minimum: MIN_PRIORITY, maximum: MAX_PRIORITY, default: 0, description: 'Higher runs first.' })),
  },
  { additionalProperties: false },
);

/** `POST /jobs/batch`: up to MAX_BATCH_JOBS submissions, each as `POST /jobs` takes one. */
export const JobBatchInput = Type.Object(
  {
    jobs: Type.Array(JobInput, {
      minItems: 1,
      maxItems: MAX_BATCH_JOBS,
      description: `1 to ${MAX_BATCH_JOBS} jobs, each as POST /jobs takes one; created in one transaction, all or none.`,
    }),
  },
  { additionalProperties: false },
);

/** The batch body as the OpenAPI document shows it: each entry one branch per job type. */
export function documentedJobBatchInput(types: readonly JobTypeParams[]) {
  return { ...JobBatchInput, properties: { jobs: { ...JobBatchInput.properties.jobs, items: documentedJobInput(types) } } };
}

export const JobBatchBody = Type.Object({ jobs: Type.Array(Type.Ref(JobBody), { description: 'The jobs created, in the order submitted.' }) });

export interface JobTypeParams {
  type: string;
  params: TSchema;
}

/** Whether a type's params may be left out (none of them is required). */
function paramsOptional(params: TSchema): boolean {
  const branches = Array.isArray(params.anyOf) ? (params.anyOf as TSchema[]) : [params];
  return branches.some((b) => !Array.isArray(b.required) || b.required.length === 0);
}

/** The submit body as the OpenAPI document shows it: one branch per job type this server runs, told apart by `type`. */
export function documentedJobInput(types: readonly JobTypeParams[]) {
  const { libraryId, priority } = JobInput.properties;
  return {
    oneOf: types.map(({ type, params }) =>
      Type.Object(
        { type: Type.Literal(type), libraryId, params: paramsOptional(params) ? Type.Optional(params) : params, priority },
        { additionalProperties: false, title: `${type} job` },
      ),
    ),
    discriminator: { propertyName: 'type' },
  };
}

/** A job's `params` as documented in the OpenAPI document: the schema of its type (the response itself is written without checking it). */
export function documentedJobParams(types: readonly JobTypeParams[]) {
  return { type: 'object', description: JOB_PARAMS_DESCRIPTION, anyOf: types.map(({ type, params }) => ({ ...params, title: `${type} params` })) };
}

export const JobIdParams = Type.Object({
  jobId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A job id (a positive integer).' }),
});

export const ListJobsQuery = Type.Object(
  {
    libraryId: Type.Optional(LibraryIdParams.properties.libraryId),
    status: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 32 }), {
        maxItems: JOB_STATUSES.length,
        description: `Repeatable (?status=running&status=queued): any of ${JOB_STATUSES.join(', ')}.`,
      }),
    ),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    requestor: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'The requestor’s email or user id.' })),
    createdAfter: Type.Optional(Type.String({ format: 'date-time', description: 'ISO 8601 date-time with a zone (Z or ±hh:mm); inclusive.' })),
    createdBefore: Type.Optional(Type.String({ format: 'date-time', description: 'ISO 8601 date-time with a zone (Z or ±hh:mm); exclusive.' })),
    order: Type.Optional(Type.String({ default: 'created_desc', description: `One of ${JOB_ORDERS.join(', ')}.` })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
  },
  { additionalProperties: false },
);

const { libraryId, status, type, requestor, createdAfter, createdBefore } = ListJobsQuery.properties;

export const JobActionInput = Type.Object(
  {
    action: StringEnum<JobAction>(JOB_ACTIONS),
    filter: Type.Optional(
      Type.Object(
        { libraryId, status, type, requestor, createdAfter, createdBefore },
        { additionalProperties: false, description: 'The filters of GET /jobs, with the same meaning (`status` a JSON array); `{}` selects every job you can see.' },
      ),
    ),
    ids: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), { minItems: 1, maxItems: MAX_ACTION_IDS, description: 'Or these jobs (not with filter).' }),
    ),
    dryRun: Type.Optional(Type.Boolean({ default: false, description: 'Count only; change nothing.' })),
  },
  { additionalProperties: false, description: 'Exactly one of `filter` and `ids`.' },
);

export const JobActionResultBody = Type.Object({
  action: StringEnum<JobAction>(JOB_ACTIONS),
  matched: Type.Integer({ description: 'Jobs you can see that the filter (or ids) select: an exact count.' }),
  eligible: Type.Integer({ description: 'Of those, the ones the action applies to (cancel: queued, planning or running; retry: ended with failed items, of a retryable type, with your rights).' }),
  acted: Type.Integer({ description: 'The ones it was applied to (0 on a dry run).' }),
  skipped: Type.Array(Type.Object({ id: Type.Integer(), reason: Type.String() }), {
    maxItems: MAX_SKIPPED_LISTED,
    description: `Up to ${MAX_SKIPPED_LISTED} of the matched jobs not acted on, with why (those that changed meanwhile first, then the newest).`,
  }),
  dryRun: Type.Boolean(),
});

export const JobPage = Type.Object({ jobs: Type.Array(Type.Ref(JobBody)), nextCursor: NextCursor });

export const FailurePage = Type.Object({
  failures: Type.Array(
    Type.Object({
      itemId: Type.Union([Type.Integer(), Type.Null()], { description: 'null when the item was never found (a missing path).' }),
      path: Type.String(),
      code: Type.String({ examples: ['NOT_FOUND'] }),
      message: Type.String(),
      attempts: Type.Integer(),
      failedAt: Nullable(IsoTime, { description: 'When the failure was recorded; null for failures from before times were kept.' }),
    }),
  ),
  nextCursor: NextCursor,
});

export const EventsQuery = Type.Object(
  {
    lastEventId: Type.Optional(
      Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Resume after this event id (the Last-Event-ID header wins when both are given).' }),
    ),
  },
  { additionalProperties: false },
);

/** The documented 200 of an event stream (the handler writes the stream itself). */
export const EventStream = {
  description:
    'Server-Sent Events. Each event: `id: <eventId>`, `event: status|progress`, `data: {jobId, status, counts, bytes, progress, lastActivityAt}`. ' +
    'A `: ping` comment every 15 s. Reconnect with Last-Event-ID to resume.',
  content: { 'text/event-stream': { schema: Type.String() } },
};

/** The OpenAPI document with the `Job` schema's `params` documented per job type (a new document; the input is not changed). */
export function withDocumentedJobParams<D extends { components?: { schemas?: Record<string, unknown> } }>(doc: D, types: readonly JobTypeParams[]): D {
  const schemas = doc.components?.schemas;
  const job = schemas?.Job as { properties?: Record<string, unknown> } | undefined;
  if (!schemas || !job?.properties) return doc;
  const documented = { ...job, properties: { ...job.properties, params: documentedJobParams(types) } };
  return { ...doc, components: { ...doc.components, schemas: { ...schemas, Job: documented } } };
}
