/**
 * Each job type's params as one TypeBox schema (River's `JobArgs`): the API
 * checks a submitted job against it (400 naming the field), the OpenAPI
 * document shows it (one `oneOf` branch per type), the operation receives
 * its static type, and the CLI builds `job submit`'s flags from it.
 * What a schema cannot say (path normalization, rules that need the
 * library) is the operation's `validate`.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { JobType } from '../jobs.js';
import { itemPath, libraryRef, OnConflict, selection } from './selection.js';
import { ExportParams, ExtractParams, ImportParams, ReplicateParams, ReportParams, VerifyParams } from './transfer.js';
import { BackupParams, RestoreBackupParams } from './backup.js';
import { RetentionParams } from './retention.js';

export { MAX_SELECTION, REFERS_TO, branchesOf, type RefersTo } from './selection.js';
export { ExportParams, ExtractParams, ImportParams, ReplicateParams, ReportParams, VerifyParams } from './transfer.js';
export { BackupParams, RestoreBackupParams } from './backup.js';
export { RetentionParams } from './retention.js';

const DAY_LIMIT = 36_500;
export const MAX_NOOP_COUNT = 100_000_000;

export const CopyMoveParams = selection({
  destination: itemPath('the folder the items go into (created if missing)'),
  targetLibraryId: Type.Optional(libraryRef('the library to copy or move into (default: the same one)')),
  onConflict: Type.Optional(OnConflict),
});

export const TrashParams = selection({});
export const PurgeParams = selection({});
export const RestoreParams = selection({ onConflict: Type.Optional(OnConflict) });

export const EmptyTrashParams = Type.Object(
  {
    olderThanDays: Type.Optional(
      Type.Integer({ minimum: 0, maximum: DAY_LIMIT, description: 'only items trashed at least this many days before the job (default 0: all of them)' }),
    ),
  },
  { additionalProperties: false },
);

export const NoopParams = Type.Object(
  { count: Type.Integer({ minimum: 0, maximum: MAX_NOOP_COUNT, description: 'synthetic items that do nothing (engine benchmarks; servers with bench jobs enabled)' }) },
  { additionalProperties: false },
);

export const JOB_PARAMS = {
  copy: CopyMoveParams,
  move: CopyMoveParams,
  trash: TrashParams,
  restore: RestoreParams,
  purge: PurgeParams,
  empty_trash: EmptyTrashParams,
  export: ExportParams,
  import: ImportParams,
  extract: ExtractParams,
  replicate: ReplicateParams,
  report: ReportParams,
  verify: VerifyParams,
  backup: BackupParams,
  restore_backup: RestoreBackupParams,
  retention: RetentionParams,
  noop: NoopParams,
} as const satisfies Record<JobType, TSchema>;

/** The params of a job type, as its operation receives them. */
export type JobParamsOf<T extends JobType> = Static<(typeof JOB_PARAMS)[T]>;

/** Job types only some servers run (bench jobs): the CLI's help leaves them out. */
export const HIDDEN_JOB_TYPES: readonly JobType[] = ['noop'];
