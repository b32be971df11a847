/** Every job type this server runs; `noop` only when bench jobs are enabled. */
import { OperationRegistry } from '../jobs/operation-registry.js';
import type { Operation } from '../jobs/operation.js';
import { noopOperation } from './noop.js';
import { trashOperation } from './trash.js';
import { restoreOperation } from './restore.js';
import { purgeOperation } from './purge.js';
import { emptyTrashOperation } from './empty-trash.js';
import { copyOperation, moveOperation } from './copy-move.js';
import { exportOperation } from './export.js';
import { importOperation, type ImportSources } from './import.js';
import { extractOperation } from './extract.js';
import { verifyOperation } from './verify.js';
import { reportOperation } from './report.js';
import { DEFAULT_ARCHIVE_LIMITS } from '../domain/archive-limits.js';
import { replicateOperation } from './replicate.js';
import { backupOperation } from './backup.js';
import { restoreBackupOperation } from './restore-backup.js';
import { retentionOperation } from './retention.js';

/** `importSources`: what an import may read (no import roots and no uploads when absent). */
export function createOperationRegistry(options: { enableBenchJobs: boolean; importSources?: ImportSources }): OperationRegistry {
  const archiveLimits = options.importSources?.archiveLimits ?? DEFAULT_ARCHIVE_LIMITS;
  // In JOB_TYPES' order: the order of the OpenAPI document's branches and of the error naming the types.
  const operations: Operation[] = [
    copyOperation,
    moveOperation,
    trashOperation,
    restoreOperation,
    purgeOperation,
    emptyTrashOperation,
    exportOperation,
    importOperation(options.importSources ?? { importRoots: [], archiveLimits }),
    extractOperation(archiveLimits),
    replicateOperation,
    reportOperation,
    verifyOperation,
    backupOperation,
    restoreBackupOperation,
    retentionOperation,
  ];
  if (options.enableBenchJobs) operations.push(noopOperation);
  return new OperationRegistry(operations);
}
