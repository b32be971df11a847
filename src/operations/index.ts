/** Every job type this server runs; `noop` only when bench jobs are enabled. */
import { OperationRegistry } from '../jobs/operation-registry.js';
import type { Operation } from '../jobs/operation.js';
import { noopOperation } from './noop.js';
import { trashOperation } from './trash.js';
import { restoreOperation } from './restore.js';
import { purgeOperation } from './purge.js';
import { emptyTrashOperation } from './empty-trash.js';
import { copyOperation, moveOperation } from './copy-move.js';
import { replicateOperation } from './replicate.js';

export function createOperationRegistry(options: { enableBenchJobs: boolean }): OperationRegistry {
  const operations: Operation[] = [copyOperation, moveOperation, trashOperation, restoreOperation, purgeOperation, emptyTrashOperation];
  operations.push(replicateOperation);
  if (options.enableBenchJobs) operations.push(noopOperation);
  return new OperationRegistry(operations);
}
