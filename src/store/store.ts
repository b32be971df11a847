/**
 * The narrow persistence interface the core uses: one method per operation,
 * named entity-then-verb, taking a params object. One implementation serves
 * every driver through Kysely; where databases differ, the driver's
 * capability flags say so. `transaction` hands out a Store bound to one
 * transaction, so a service composes operations atomically.
 *
 * Database errors that name a condition, not a bug, become typed errors here:
 * a unique violation a ConflictError (where a method says so), and a transient
 * one (busy, locked, serialization failure, deadlock, lost connection: the
 * driver's `isTransient`) a DatabaseBusyError, from every method and from
 * `transaction` (BEGIN and COMMIT included). Callers above the Store never
 * see a driver's error codes.
 */
import { sql, type Kysely } from 'kysely';
import type { Capabilities, Driver } from './driver.js';
import type { Database } from './schema.js';
import type { Hint, HintOf, HintTopic } from './hints.js';
import { BatchyardError, ConflictError, DatabaseBusyError } from '../domain/errors.js';
import * as domains from './queries/domains.js';
import * as users from './queries/users.js';
import * as tokens from './queries/tokens.js';
import * as libraries from './queries/libraries.js';
import * as access from './queries/library-access.js';
import * as items from './queries/items.js';
import * as blobs from './queries/blobs.js';
import * as blobOrphans from './queries/blob-orphans.js';
import * as jobs from './queries/jobs.js';
import * as jobClocks from './queries/job-clocks.js';
import * as tasks from './queries/job-tasks.js';
import * as failures from './queries/job-failures.js';
import * as serverKeys from './queries/server-keys.js';
import * as events from './queries/job-events.js';
import * as bulk from './queries/items-bulk.js';
import * as targets from './queries/job-targets.js';
import * as sync from './queries/items-sync.js';
import * as usage from './queries/library-usage.js';
import * as catalogCheck from './queries/catalog-check.js';
import * as inventory from './queries/item-inventory.js';
import * as artifacts from './queries/job-artifacts.js';
import * as uploads from './queries/uploads.js';
import * as savedViews from './queries/saved-views.js';
import * as schedules from './queries/schedules.js';
import * as scheduleFires from './queries/schedule-fires.js';
import * as engineWorkers from './queries/engine-workers.js';
import * as engineStats from './queries/engine-stats.js';
import * as snapshots from './queries/snapshots.js';
import * as changes from './queries/item-changes.js';
import * as webhooks from './queries/webhooks.js';
import * as webhookDeliveries from './queries/webhook-deliveries.js';
import * as claims from './queries/job-claims.js';

type Rest<F> = F extends (db: Kysely<Database>, ...rest: infer R) => unknown ? R : never;
type Ret<F> = F extends (...args: never[]) => infer R ? R : never;

function savepointName(name: string, inTransaction: boolean): string {
  if (!/^[a-z_][a-z0-9_]{0,30}$/.test(name)) throw new Error(`invalid savepoint name '${name}'`);
  // Outside a transaction SQLite would open one on the shared connection (later writes then vanish with it); PostgreSQL refuses.
  if (!inTransaction) throw new Error(`savepoint '${name}' outside a transaction`);
  return name;
}

export class Store {
  readonly capabilities: Capabilities;
  readonly label: string;
  readonly inTransaction: boolean;

  /** Hints published inside this transaction, sent at commit (for notifiers that are not transactional). */
  private readonly afterCommit: Hint[] = [];

  constructor(
    private readonly driver: Driver,
    private readonly db: Kysely<Database> = driver.db,
    inTransaction = false,
  ) {
    this.capabilities = driver.capabilities;
    this.label = driver.label;
    this.inTransaction = inTransaction;
  }

  /** Runs `fn` in one transaction (joins the current one if already inside). */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    let tx: Store | undefined;
    const result = await this.db
      .transaction()
      .execute((trx) => fn((tx = new Store(this.driver, trx, true))))
      .catch(this.translate);
    for (const hint of tx?.afterCommit ?? []) await this.guard(this.driver.notifier.publish(this.db, hint));
    return result;
  }

  /**
   * Runs `fn` over one consistent view of the database that does not hold
   * writers back: a deferred read transaction on SQLite (WAL: writers on other
   * connections go on), REPEATABLE READ READ ONLY on PostgreSQL. `fn` only
   * reads. Inside a transaction it joins it.
   */
  async readSnapshot<T>(fn: (view: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    const begin = this.capabilities.concurrentWriters ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN DEFERRED';
    return this.guard(
      this.db.connection().execute(async (conn) => {
        await sql.raw(begin).execute(conn);
        try {
          const result = await fn(new Store(this.driver, conn, true));
          await sql.raw('COMMIT').execute(conn);
          return result;
        } catch (error) {
          await sql.raw('ROLLBACK').execute(conn).catch(() => undefined);
          throw error;
        }
      }),
    );
  }

  /** Marks a point to roll back to inside the current transaction. */
  async savepoint(name: string): Promise<void> {
    await this.guard(sql.raw(`SAVEPOINT ${savepointName(name, this.inTransaction)}`).execute(this.db));
  }

  async releaseSavepoint(name: string): Promise<void> {
    await this.guard(sql.raw(`RELEASE SAVEPOINT ${savepointName(name, this.inTransaction)}`).execute(this.db));
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    await this.guard(sql.raw(`ROLLBACK TO SAVEPOINT ${savepointName(name, this.inTransaction)}`).execute(this.db));
  }

  /** A transient database error as DatabaseBusyError; anything else unchanged (typed errors pass through). */
  private readonly translate = (error: unknown): never => {
    if (!(error instanceof BatchyardError) && this.driver.isTransient(error)) throw new DatabaseBusyError(error);
    throw error;
  };

  private guard<T>(pending: Promise<T>): Promise<T> {
    return pending.catch(this.translate);
  }

  private run<F extends (db: Kysely<Database>, ...args: never[]) => Promise<unknown>>(fn: F) {
    return (...args: Rest<F>): Ret<F> => this.guard((fn as unknown as (db: Kysely<Database>, ...a: Rest<F>) => Ret<F>)(this.db, ...args)) as Ret<F>;
  }

  /** Like run, but a unique-constraint violation becomes ConflictError(message). */
  private unique<F extends (db: Kysely<Database>, ...args: never[]) => Promise<unknown>>(fn: F, message: string) {
    const call = this.run(fn);
    return async (...args: Rest<F>): Promise<Awaited<Ret<F>>> => {
      try {
        return (await call(...args)) as Awaited<Ret<F>>;
      } catch (error) {
        if (this.driver.isUniqueViolation(error)) throw new ConflictError(message);
        throw error;
      }
    };
  }

  readonly domainCreate = this.unique(domains.domainCreate, 'a domain with this name already exists');
  readonly domainGetById = this.run(domains.domainGetById);
  readonly domainGetByName = this.run(domains.domainGetByName);
  readonly domainCount = this.run(domains.domainCount);
  readonly domainList = this.run(domains.domainList);

  readonly userCreate = this.unique(users.userCreate, 'a user with this email already exists');
  readonly userGetById = this.run(users.userGetById);
  readonly userGetByEmail = this.run(users.userGetByEmail);
  readonly userListByDomain = this.run(users.userListByDomain);
  readonly userGetFirstWithRole = this.run(users.userGetFirstWithRole);
  readonly userUpdate = this.run(users.userUpdate);

  readonly tokenCreate = this.run(tokens.tokenCreate);
  readonly tokenGetById = this.run(tokens.tokenGetById);
  readonly tokenGetIdentity = this.run(tokens.tokenGetIdentity);
  readonly tokenRevoke = this.run(tokens.tokenRevoke);
  readonly tokenList = this.run(tokens.tokenList);

  readonly libraryInsert = this.unique(libraries.libraryInsert, 'a library with this name already exists in the domain');
  readonly libraryGetById = this.run(libraries.libraryGetById);
  readonly libraryGetByName = this.run(libraries.libraryGetByName);
  readonly libraryAppTypes = this.run(libraries.libraryAppTypes);
  readonly libraryUpdate = this.unique(libraries.libraryUpdate, 'a library with this name already exists in the domain');
  readonly libraryListVisible = this.run(libraries.libraryListVisible);
  /** The library row for a content-changing transaction, share-locked where writers run concurrently. */
  libraryGetForContentChange(id: string) {
    return this.guard(libraries.libraryGetForContentChange(this.db, { id, lock: this.capabilities.concurrentWriters }));
  }
  readonly libraryListByState = this.run(libraries.libraryListByState);
  readonly libraryDelete = this.run(libraries.libraryDelete);
  readonly libraryPermissionsGet = this.run(access.libraryPermissionsGet);
  readonly libraryPermissionsReplace = this.run(access.libraryPermissionsReplace);
  readonly libraryRoleOf = this.run(access.libraryRoleOf);
  readonly libraryIdsAdministeredBy = this.run(access.libraryIdsAdministeredBy);
  readonly libraryUserStateGet = this.run(access.libraryUserStateGet);
  readonly libraryUserStateSet = this.run(access.libraryUserStateSet);

  readonly itemGetByPath = this.run(items.itemGetByPath);
  readonly itemGetById = this.run(items.itemGetById);
  readonly itemListChildren = this.run(items.itemListChildren);
  readonly itemListTrashRoots = this.run(items.itemListTrashRoots);
  readonly itemInsertIfAbsent = this.run(items.itemInsertIfAbsent);
  readonly itemUpdateContent = this.run(items.itemUpdateContent);
  readonly itemCountBlobRefs = this.run(items.itemCountBlobRefs);

  readonly blobAddRef = this.run(blobs.blobAddRef);
  readonly blobRelease = this.run(blobs.blobRelease);
  readonly blobReleaseMany = this.run(blobs.blobReleaseMany);
  readonly blobGetRefcount = this.run(blobs.blobGetRefcount);
  readonly blobListUnreferenced = this.run(blobs.blobListUnreferenced);
  readonly blobMarkCollecting = this.run(blobs.blobMarkCollecting);
  readonly blobDeleteCollected = this.run(blobs.blobDeleteCollected);
  /** The orphan sweep: which stored bytes have a row; a row claiming bytes nothing references, before they are deleted. */
  readonly blobListKnown = this.run(blobOrphans.blobListKnown);
  readonly blobClaimOrphan = this.run(blobOrphans.blobClaimOrphan);

  readonly jobInsert = this.run(jobs.jobInsert);
  /** Many jobs inserted queued, returned in the order given (a batch submission). */
  readonly jobInsertMany = this.run(jobs.jobInsertMany);
  readonly jobGetById = this.run(jobs.jobGetById);
  /** The job row, locked for a status change where writers run concurrently. */
  jobGetForUpdate(id: number) {
    return this.guard(jobs.jobGetForUpdate(this.db, { id, lock: this.capabilities.concurrentWriters }));
  }
  readonly jobList = this.run(jobs.jobList);
  /** How many jobs a listing's filters select (all its pages); the same counted per (library, target library, type). */
  readonly jobCount = this.run(jobs.jobCount);
  readonly jobCountGroups = this.run(jobs.jobCountGroups);
  /** The creation time for the domain's next job (≥ `now` and every earlier one's); holds the domain's clock row until commit. */
  readonly jobClockAdvance = this.run(jobClocks.jobClockAdvance);
  readonly jobSetStatus = this.run(jobs.jobSetStatus);
  readonly jobAddCounts = this.run(jobs.jobAddCounts);
  readonly jobSetResult = this.run(jobs.jobSetResult);
  readonly jobListClaimable = this.run(jobs.jobListClaimable);
  readonly jobTouchClaim = this.run(jobs.jobTouchClaim);
  readonly jobListFinishable = this.run(jobs.jobListFinishable);
  /** Many jobs by id (the engine's small-job path). */
  readonly jobGetMany = this.run(claims.jobGetMany);
  /** Takes the turn of many queued jobs (their rows locked in id order, skipping held ones where supported); returns those taken. */
  jobTouchClaimMany(p: Omit<Parameters<typeof claims.jobTouchClaimMany>[1], 'skipLocked'>) {
    return this.guard(claims.jobTouchClaimMany(this.db, { ...p, skipLocked: this.capabilities.skipLocked }));
  }
  /** Many jobs' rows, locked in id order where writers run concurrently. */
  jobLockMany(ids: readonly number[]) {
    return this.guard(claims.jobLockMany(this.db, { ids, lock: this.capabilities.concurrentWriters }));
  }
  readonly taskCompleteMany = this.run(claims.taskCompleteMany);
  readonly jobEndMany = this.run(claims.jobEndMany);
  readonly targetDeleteForJobs = this.run(claims.targetDeleteForJobs);
  /** Claims the ready planners of many jobs in one statement. */
  taskClaimPlans(p: Omit<Parameters<typeof claims.taskClaimPlans>[1], 'skipLocked'>) {
    return this.guard(claims.taskClaimPlans(this.db, { ...p, skipLocked: this.capabilities.skipLocked }));
  }

  readonly taskInsertMany = this.run(tasks.taskInsertMany);
  /** Claims a batch of the job's ready tasks (skipping rows other workers hold, where supported). */
  taskClaim(p: Omit<Parameters<typeof tasks.taskClaim>[1], 'skipLocked'>) {
    return this.guard(tasks.taskClaim(this.db, { ...p, skipLocked: this.capabilities.skipLocked }));
  }
  /** Extends this owner's leases (skipping rows a committing task holds, where supported: locking them waited in a deadlock cycle). */
  taskHeartbeat(p: Omit<Parameters<typeof tasks.taskHeartbeat>[1], 'skipLocked'>) {
    return this.guard(tasks.taskHeartbeat(this.db, { ...p, skipLocked: this.capabilities.skipLocked }));
  }
  readonly taskComplete = this.run(tasks.taskComplete);
  readonly taskSavePayload = this.run(tasks.taskSavePayload);
  readonly taskReschedule = this.run(tasks.taskReschedule);
  readonly taskRescueExpired = this.run(tasks.taskRescueExpired);
  /** As taskRescueExpired, with the count of each job's tasks returned. */
  readonly taskRescueExpiredJobs = this.run(tasks.taskRescueExpiredJobs);
  readonly taskRelease = this.run(tasks.taskRelease);
  readonly taskDeleteReady = this.run(tasks.taskDeleteReady);
  readonly taskExistsForJob = this.run(tasks.taskExistsForJob);

  readonly targetSet = this.run(targets.targetSet);
  readonly targetGet = this.run(targets.targetGet);
  readonly targetDeleteForJob = this.run(targets.targetDeleteForJob);

  readonly failureInsertMany = this.run(failures.failureInsertMany);
  readonly failureList = this.run(failures.failureList);

  readonly serverKeyGetOrCreate = this.run(serverKeys.serverKeyGetOrCreate);

  /** A library's usage (items, bytes): the sum of its delta rows, which triggers on `items` keep. */
  readonly libraryUsageGet = this.run(usage.libraryUsageGet);
  readonly libraryUsageListUnfolded = this.run(usage.libraryUsageListUnfolded);
  /** Folds up to `limit` of a library's usage rows into one (in its own transaction, or the caller's). */
  libraryUsageFold(p: { libraryId: string; limit: number }): Promise<number> {
    return this.transaction((tx) => tx.guard(usage.libraryUsageFold(tx.db, p)));
  }
  /** The recorded usage and the catalog's, from one snapshot. */
  readonly libraryUsageCheck = this.run(usage.libraryUsageCheck);
  /** Appends the difference between the catalog's usage and the recorded one; returns it. */
  readonly libraryUsageRepair = this.run(usage.libraryUsageRepair);

  /** Verify's reads and repairs: the blobs a subtree references, their counts against the rows referencing them. */
  readonly itemListBlobsUnder = this.run(catalogCheck.itemListBlobsUnder);
  readonly blobCheckRefs = this.run(catalogCheck.blobCheckRefs);
  /** Sets a blob's count to the rows referencing it, its row locked first where writers run concurrently (inside a transaction). */
  blobRepairRefcount(p: Omit<Parameters<typeof catalogCheck.blobRepairRefcount>[1], 'lock'>) {
    return this.guard(catalogCheck.blobRepairRefcount(this.db, { ...p, lock: this.capabilities.concurrentWriters }));
  }
  /** A report's page of items (live or trashed) in a path range of a selection, by (path, id). */
  readonly itemListInventory = this.run(inventory.itemListInventory);

  /** Records or replaces a job's artifact part; returns the replaced row (lock the job row first: jobs/artifacts.ts does). */
  readonly artifactPut = this.run(artifacts.artifactPut);
  readonly artifactGet = this.run(artifacts.artifactGet);
  readonly artifactListParts = this.run(artifacts.artifactListParts);
  readonly artifactListExpired = this.run(artifacts.artifactListExpired);
  readonly artifactDelete = this.run(artifacts.artifactDelete);

  readonly uploadInsert = this.unique(uploads.uploadInsert, 'an upload with this id already exists');
  readonly uploadGetById = this.run(uploads.uploadGetById);
  readonly uploadBindJob = this.run(uploads.uploadBindJob);
  readonly uploadListSweepable = this.run(uploads.uploadListSweepable);
  readonly uploadDelete = this.run(uploads.uploadDelete);

  /** A user's saved job-list queries; a name they already used is a ConflictError. */
  readonly savedViewCreate = this.unique(savedViews.savedViewCreate, 'you already have a view with this name');
  readonly savedViewListByUser = this.run(savedViews.savedViewListByUser);
  readonly savedViewDelete = this.run(savedViews.savedViewDelete);

  /** Schedules and their fires; a second fire of one (schedule, fire time) is a ConflictError (the racer that lost). */
  readonly scheduleInsert = this.run(schedules.scheduleInsert);
  readonly scheduleGetById = this.run(schedules.scheduleGetById);
  readonly scheduleList = this.run(schedules.scheduleList);
  readonly scheduleUpdate = this.run(schedules.scheduleUpdate);
  readonly scheduleDelete = this.run(schedules.scheduleDelete);
  readonly scheduleListDue = this.run(schedules.scheduleListDue);
  readonly scheduleAdvance = this.run(schedules.scheduleAdvance);
  readonly scheduleRecordRun = this.run(schedules.scheduleRecordRun);
  readonly scheduleFireInsert = this.unique(scheduleFires.scheduleFireInsert, 'this tick of the schedule has fired already');
  readonly scheduleFireSetJob = this.run(scheduleFires.scheduleFireSetJob);
  readonly scheduleFireList = this.run(scheduleFires.scheduleFireList);

  /** The engines at work (engine_workers): registered and heartbeated by each engine, listed with the tasks each holds. */
  readonly engineWorkerHeartbeat = this.run(engineWorkers.engineWorkerHeartbeat);
  readonly engineWorkerStop = this.run(engineWorkers.engineWorkerStop);
  readonly engineWorkerList = this.run(engineWorkers.engineWorkerList);
  readonly engineWorkerPrune = this.run(engineWorkers.engineWorkerPrune);
  /** Per-minute engine throughput (engine_stats), each engine adding to its own rows; the queue per job. */
  readonly engineStatsAdd = this.run(engineStats.engineStatsAdd);
  readonly engineStatsListBuckets = this.run(engineStats.engineStatsListBuckets);
  readonly engineStatsTotals = this.run(engineStats.engineStatsTotals);
  readonly engineStatsPrune = this.run(engineStats.engineStatsPrune);
  readonly taskListQueueDepth = this.run(engineStats.taskListQueueDepth);

  /** Webhooks (each domain's endpoints) and their outbox (webhook_deliveries: one row per message, claimed with a lease). */
  readonly webhookCreate = this.run(webhooks.webhookCreate);
  readonly webhookGetById = this.run(webhooks.webhookGetById);
  readonly webhookListByDomain = this.run(webhooks.webhookListByDomain);
  readonly webhookListEnabled = this.run(webhooks.webhookListEnabled);
  readonly webhookUpdate = this.run(webhooks.webhookUpdate);
  readonly webhookDelete = this.run(webhooks.webhookDelete);
  readonly webhookNoteAttempt = this.run(webhooks.webhookNoteAttempt);
  readonly webhookDisable = this.run(webhooks.webhookDisable);
  readonly webhookDeliveryInsertMany = this.run(webhookDeliveries.webhookDeliveryInsertMany);
  readonly webhookDeliveryGetById = this.run(webhookDeliveries.webhookDeliveryGetById);
  readonly webhookDeliveryList = this.run(webhookDeliveries.webhookDeliveryList);
  /** Claims due deliveries (skipping rows other engines are claiming, where supported). */
  webhookDeliveryClaim(p: Omit<Parameters<typeof webhookDeliveries.webhookDeliveryClaim>[1], 'skipLocked'>) {
    return this.guard(webhookDeliveries.webhookDeliveryClaim(this.db, { ...p, skipLocked: this.capabilities.skipLocked }));
  }
  readonly webhookDeliveryFinishAttempt = this.run(webhookDeliveries.webhookDeliveryFinishAttempt);
  readonly webhookDeliveryReplay = this.run(webhookDeliveries.webhookDeliveryReplay);
  readonly webhookDeliveryNextDue = this.run(webhookDeliveries.webhookDeliveryNextDue);

  /** Appends an event (recording its transaction's id where commits can be out of id order); returns its id. */
  eventInsert(e: Omit<events.JobEvent, 'id'>) {
    return this.guard(events.eventInsert(this.db, { ...e, recordXid: this.capabilities.commitSnapshots }));
  }
  /** Appends many events in the order given (ids increasing in that order); returns their ids. */
  eventInsertMany(list: ReadonlyArray<Omit<events.JobEvent, 'id'>>) {
    return this.guard(events.eventInsertMany(this.db, { events: list, recordXid: this.capabilities.commitSnapshots }));
  }
  readonly eventListForJob = this.run(events.eventListForJob);
  readonly eventListForDomain = this.run(events.eventListForDomain);
  readonly eventLatestId = this.run(events.eventLatestId);
  /**
   * The event log's state for a reader finding its settled horizon (`events.eventHorizon`):
   * `maxId`, and where commits can be out of id order `xmin` (and with `checkpoint`, `clock`
   * and `snapshot`). A checkpoint takes a transaction id: only outside a transaction.
   */
  eventHorizon(p: { checkpoint: boolean }) {
    if (p.checkpoint && this.inTransaction) throw new Error('eventHorizon: a checkpoint must not run inside a transaction');
    return this.guard(events.eventHorizon(this.db, { snapshots: this.capabilities.commitSnapshots, checkpoint: p.checkpoint }));
  }
  /** Events up to `upToId` a checkpoint's snapshot did not see (in flight then); none where commits are serialized. */
  eventListInFlightAt(p: Parameters<typeof events.eventListInFlightAt>[1]) {
    if (!this.capabilities.commitSnapshots) return Promise.resolve([]);
    return this.guard(events.eventListInFlightAt(this.db, p));
  }
  readonly eventPruneProgress = this.run(events.eventPruneProgress);

  /** Sends a hint to subscribers of its topic; inside a transaction, at its commit. */
  notify(hint: Hint): Promise<void> {
    if (this.inTransaction && !this.driver.notifier.transactional) {
      this.afterCommit.push(hint);
      return Promise.resolve();
    }
    return this.guard(this.driver.notifier.publish(this.db, hint));
  }
  /** Sends many hints (inside a transaction, at its commit): one statement where the notifier can. */
  notifyMany(hints: readonly Hint[]): Promise<void> {
    if (hints.length === 0) return Promise.resolve();
    if (this.inTransaction && !this.driver.notifier.transactional) {
      this.afterCommit.push(...hints);
      return Promise.resolve();
    }
    const { publishMany } = this.driver.notifier;
    if (publishMany) return this.guard(publishMany.call(this.driver.notifier, this.db, hints));
    return hints.reduce((p, hint) => p.then(() => this.guard(this.driver.notifier.publish(this.db, hint))), Promise.resolve());
  }
  /** Calls `listener` with each hint of `topic`; returns a function that stops the subscription. */
  subscribe<T extends HintTopic>(topic: T, listener: (hint: HintOf<T>) => void): Promise<() => Promise<void>> {
    return this.driver.notifier.subscribe(topic, (hint) => {
      if (hint.topic === topic) listener(hint as HintOf<T>);
    });
  }
  /** True for a DatabaseBusyError, or a driver error it would have become. */
  isTransient(error: unknown): boolean {
    return error instanceof DatabaseBusyError || this.driver.isTransient(error);
  }
  /** Analyzes tables bulk work left with stale planner statistics (where the database needs it); returns their names. */
  refreshStaleStatistics(): Promise<string[]> {
    return this.driver.refreshStaleStatistics();
  }
  isUniqueViolation(error: unknown): boolean {
    return this.driver.isUniqueViolation(error);
  }

  readonly itemListSubtreeLive = this.run(bulk.itemListSubtreeLive);
  readonly itemListTrashMembers = this.run(bulk.itemListTrashMembers);
  readonly itemListTrashRootsBefore = this.run(bulk.itemListTrashRootsBefore);
  readonly itemTrashMany = this.run(bulk.itemTrashMany);
  readonly itemTrashSubtreeRest = this.run(bulk.itemTrashSubtreeRest);
  readonly itemRestoreMany = this.run(bulk.itemRestoreMany);
  readonly itemSetPlace = this.run(bulk.itemSetPlace);
  readonly itemDeleteMany = this.run(bulk.itemDeleteMany);
  readonly itemGetMany = this.run(bulk.itemGetMany);
  readonly itemRewritePaths = this.run(bulk.itemRewritePaths);
  readonly itemInsertMany = this.run(bulk.itemInsertMany);
  readonly itemGetLiveByPaths = this.run(bulk.itemGetLiveByPaths);
  readonly itemFindTrashRoot = this.run(bulk.itemFindTrashRoot);
  readonly itemDeleteRest = this.run(bulk.itemDeleteRest);

  /** Replicate: a subtree's live items with their content keys, by path in keyset chunks; many blob references at once. */
  readonly itemListSubtreeForSync = this.run(sync.itemListSubtreeForSync);
  readonly blobAddRefMany = this.run(blobs.blobAddRefMany);

  /** Snapshots (backup) and their content-addressed trees: trees stored once per location, referenced by snapshots and parent trees. */
  readonly snapshotTreesPut = this.run(snapshots.snapshotTreesPut);
  readonly snapshotTreeGet = this.run(snapshots.snapshotTreeGet);
  readonly snapshotTreeGetJson = this.run(snapshots.snapshotTreeGetJson);
  readonly snapshotInsert = this.run(snapshots.snapshotInsert);
  readonly snapshotGetById = this.run(snapshots.snapshotGetById);
  /** A library's snapshots in time order, keyset paged (retention lists them with order 'asc'). */
  readonly snapshotListByLibrary = this.run(snapshots.snapshotListByLibrary);
  readonly snapshotLatestAt = this.run(snapshots.snapshotLatestAt);
  readonly snapshotTreesExisting = this.run(snapshots.snapshotTreesExisting);
  /** Stored trees' subtree totals by hash, entries not read (an incremental backup's unchanged folders). */
  readonly snapshotTreeTotals = this.run(snapshots.snapshotTreeTotals);

  /**
   * The item change log (triggers on items append a folder entry per change):
   * where a read stands in it (inside a read snapshot, the snapshot's
   * position), the base an incremental backup starts from, the entries a
   * position did not see, the live children of those names, and the
   * housekeeping's prune (entries every usable base has seen).
   */
  itemChangesPosition() {
    return this.guard(changes.itemChangesPosition(this.db, { snapshots: this.capabilities.commitSnapshots }));
  }
  itemChangeBase(p: { libraryId: string; path: string; storage: string }) {
    return this.guard(changes.itemChangeBase(this.db, { ...p, snapshots: this.capabilities.commitSnapshots }));
  }
  itemChangesSince(p: { libraryId: string; since: string; root: { path: string; parentId: number | null; name: string }; limit: number }) {
    return this.guard(changes.itemChangesSince(this.db, { ...p, snapshots: this.capabilities.commitSnapshots }));
  }
  readonly itemListLiveChildrenNamed = this.run(changes.itemListLiveChildrenNamed);
  readonly itemChangesLibraries = this.run(changes.itemChangesLibraries);
  itemChangesPrune(p: { libraryId: string; limit: number }) {
    return this.transaction((tx) => tx.guard(changes.itemChangesPrune(tx.db, { ...p, snapshots: tx.capabilities.commitSnapshots })));
  }
  /** A subtree's live items with the fields a snapshot keeps, by path in keyset chunks (what a snapshot is compared with). */
  readonly itemListForSnapshot = this.run(snapshots.itemListForSnapshot);
  /** Forgets a snapshot: deletes it and releases the trees and blob references only it held (in its own transaction, or the caller's). */
  snapshotDelete(p: { id: number }) {
    return this.transaction((tx) => tx.guard(snapshots.snapshotDelete(tx.db, p)));
  }
}
