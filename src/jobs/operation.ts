/**
 * What a job type provides to the engine: its params schema (checked when a
 * job is submitted; plan, prepare and apply then get the typed value), the
 * rules a schema cannot say (`validate`), how to plan it (a selection expanded into tasks, step by step
 * with a saved cursor), and how to run one task: bytes first (`prepare`,
 * outside any transaction), then catalog effects (`apply`, inside the task's
 * fenced transaction, together with its outcome and the job's counters).
 */
import type { Static, TObject, TUnion } from '@sinclair/typebox';
import type { Store } from '../store/store.js';
import type { Job, JobType } from '../domain/jobs.js';
import type { Library, Principal } from '../domain/types.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { LibraryAccess } from '../domain/library-rules.js';
import type { ArtifactWriter } from './artifacts.js';

/** Items (entries) planned together, with what they share (context); serialized into one task. */
export interface TaskBody<C = unknown, E = unknown> {
  context: C;
  entries: E[];
}

export interface PlannedTask<C = unknown, E = unknown> extends TaskBody<C, E> {
  /** Tasks of phase n+1 start when no task of phase n remains. The planner runs in phase 1. */
  phase: number;
  /** Items the task stands for when its entries do not list them one by one (default: entries.length). */
  itemCount?: number;
}

export interface ItemFailureOutcome<E = unknown> {
  entry: E;
  itemId: number | null;
  path: string;
  code: string;
  message: string;
}

export interface PlanStep<Cursor = unknown> {
  tasks: PlannedTask[];
  /** Selection items that fail at planning time (e.g. a path that does not exist). */
  failures: Array<ItemFailureOutcome & { phase: number; context: unknown }>;
  bytesTotal?: number;
  /** Where to continue; null when planning is finished. */
  cursor: Cursor | null;
}

export interface TaskOutcome {
  succeeded: number;
  skipped: number;
  failures: ItemFailureOutcome[];
  bytesDone?: number;
  /** Items found at run time that planning did not count (e.g. added to a folder being trashed). */
  extraTotal?: number;
}

export interface OperationContext {
  store: Store;
  blobs: { get(name: string): BlobStore };
  /**
   * A library by id, read through `via` (inside a task's transaction pass the
   * transaction: on a single-connection database a read outside it would wait
   * for the transaction to end, forever).
   */
  library(id: string, via: Store): Promise<Library>;
  now(): number;
  /** Stores what a job produces (an export's zip, a report) as its result: see jobs/artifacts.ts. */
  artifacts: ArtifactWriter;
  /**
   * Aborted when the job is cancelled while this task runs: a long `prepare`
   * checks it between chunks (e.g. blob copies) and stops with `signal.reason`;
   * the engine then commits none of the task's items and counts them skipped.
   */
  signal?: AbortSignal;
}

export interface SubmitContext {
  caller: Principal;
  library: LibraryAccess;
  /** Checks the caller's right on another library the job touches. */
  access(libraryId: string, needed: 'READER' | 'WRITER'): Promise<LibraryAccess>;
  enableBenchJobs: boolean;
  /** The server's storage locations (BATCHYARD_STORAGES and the default), for a param naming one. */
  storages?: { has(name: string): boolean; names(): string[] };
  now(): number;
}

export interface ValidatedJob<P = unknown> {
  /** The params as stored (paths normalized, defaults filled in). */
  params: P;
  targetLibraryId: string | null;
}

/** A job whose params have its type's static type (they were checked against its schema when submitted). */
export type JobOf<P> = Omit<Job, 'params'> & { readonly params: P };

/** A job type's params: an object, or a union of objects (a selection by paths or by ids). */
export type ParamsSchema = TObject | TUnion<TObject[]>;

/**
 * A job type. `S` is its params schema (from domain/job-params): the service
 * checks submitted params against it before `validate` runs, so every method
 * receives `Static<S>`, never an unchecked record.
 */
export interface Operation<S extends ParamsSchema = ParamsSchema, Cursor = unknown, C = unknown, E = unknown, Prepared = unknown> {
  readonly type: JobType;
  readonly params: S;
  /** The right the job needs on its own library (WRITER for changes, READER for reads). */
  readonly sourceRight: 'READER' | 'WRITER';
  /**
   * Subtrees follow their roots (their chunks are skipped when the root
   * failed): a retry plans failed roots afresh, with their subtrees, instead
   * of replaying the root alone. Needs a `paths`/`itemIds` selection, and
   * subtree chunks whose context names their `root`.
   */
  readonly replanFailedRoots?: boolean;
  /**
   * false: a retry job is refused (422). For types whose work is one result
   * (an export's archive), where replaying the failed items alone would make a
   * partial result: the caller submits the job again instead.
   */
  readonly retryable?: boolean;
  /** What the schema cannot say: normalizes (400 naming the field), applies rules (422) and checks rights on other libraries. */
  validate(params: Static<S>, ctx: SubmitContext): Promise<ValidatedJob<Static<S>>>;
  plan(ctx: OperationContext, job: JobOf<Static<S>>, cursor: Cursor | null): Promise<PlanStep<Cursor>>;
  prepare?(ctx: OperationContext, job: JobOf<Static<S>>, task: TaskBody<C, E>): Promise<Prepared>;
  apply(tx: Store, ctx: OperationContext, job: JobOf<Static<S>>, task: TaskBody<C, E>, prepared: Prepared | undefined): Promise<TaskOutcome>;
}
