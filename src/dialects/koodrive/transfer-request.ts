/**
 * KooDrive create-task bodies of the transfer types → the native job:
 * - 5 cloud decompression → `extract`: `fileInfo` names the one archive (by
 *   fileId or filePath), `newFilePath` the folder it unpacks into (default: the
 *   archive's own folder); 502 unpacks everything, 503 only
 *   `taskInfo.uncompressFilePaths` (entry names in the archive; required with
 *   503, refused with 502). A `password` is refused: encrypted archives are not
 *   read here.
 * - 6 package download (601) → `export` as a zip of `fileInfo` (its
 *   `downloadUrl` shows once the task has ended: task-detail.ts).
 * Both work within one space (`dstContainerId`, when sent, is the source space)
 * and need paths, so file ids are looked up in the catalog first (an id that
 * names no item is a 404 naming its entry).
 */
import type { SubmitJob } from '../../services/job-service.js';
import { InvalidArgumentError, NotFoundError } from '../../domain/errors.js';
import { normalizePath, parentPath } from '../../domain/item-path.js';
import { selectionOf, targetSpaceOf, taskNameOf, type CreateJob } from './task-request.js';

/** A live or trashed item's path by id, in the source space (NotFoundError when none). */
export type PathOfId = (libraryId: string, id: number) => Promise<string>;

export interface TransferRequest {
  job: SubmitJob;
  /** The client named its files by fileId: errors about `params.paths[i]` name `taskInfo.fileInfo[i].fileId`. */
  byId: boolean;
}

async function pathsOf(body: CreateJob, pathOfId: PathOfId): Promise<{ paths: string[]; byId: boolean }> {
  const selection = selectionOf(body.taskInfo.fileInfo ?? []);
  if ('paths' in selection) return { paths: selection.paths, byId: false };
  const source = body.taskInfo.srcContainerId;
  const paths = await Promise.all(
    selection.itemIds.map((id, i) =>
      pathOfId(source, id).catch((error: unknown) => {
        if (!(error instanceof NotFoundError)) throw error;
        const field = `taskInfo.fileInfo[${i}].fileId`;
        throw new NotFoundError(`${field}: no file ${id} in space ${source}`, { field });
      }),
    ),
  );
  return { paths, byId: true };
}

function withinOneSpace(body: CreateJob): void {
  const target = targetSpaceOf(body);
  if (target !== undefined && target !== body.taskInfo.srcContainerId) {
    throw new InvalidArgumentError(`dstContainerId: taskType ${body.taskType} works within one space; it must be taskInfo.srcContainerId`, { field: 'dstContainerId' });
  }
  if (body.password !== undefined && body.password !== '') {
    throw new InvalidArgumentError('password: encrypted archives are not supported by this server', { field: 'password' });
  }
}

const present = (value: string | undefined): value is string => value !== undefined && value !== '';

export async function toTransferJob(body: CreateJob, type: 'extract' | 'export', pathOfId: PathOfId): Promise<TransferRequest> {
  withinOneSpace(body);
  const info = body.taskInfo;
  const libraryId = info.srcContainerId;
  const partial = info.uncompressFilePaths ?? [];
  if (type === 'export') {
    if (present(info.newFilePath)) throw new InvalidArgumentError('taskInfo.newFilePath: not used by taskType 6 (package download)', { field: 'taskInfo.newFilePath' });
    if (partial.length > 0) throw new InvalidArgumentError('taskInfo.uncompressFilePaths: only for taskType 5 (cloud decompression)', { field: 'taskInfo.uncompressFilePaths' });
    const { paths, byId } = await pathsOf(body, pathOfId);
    return { job: { type, libraryId, params: { paths, format: 'zip' } }, byId };
  }
  const files = info.fileInfo ?? [];
  if (files.length !== 1) {
    throw new InvalidArgumentError(`taskInfo.fileInfo: taskType 5 (${taskNameOf(5)}) unpacks one archive; send exactly one entry (got ${files.length})`, {
      field: 'taskInfo.fileInfo',
    });
  }
  const action = body.actionType ?? 502;
  if (action === 502 && partial.length > 0) {
    throw new InvalidArgumentError('taskInfo.uncompressFilePaths: only with actionType 503 (partial decompression); 502 unpacks the whole archive', {
      field: 'taskInfo.uncompressFilePaths',
    });
  }
  if (action === 503 && partial.length === 0) {
    throw new InvalidArgumentError('taskInfo.uncompressFilePaths: required with actionType 503, the entries to unpack', { field: 'taskInfo.uncompressFilePaths' });
  }
  const { paths, byId } = await pathsOf(body, pathOfId);
  const archive = normalizePath(paths[0]!, byId ? 'taskInfo.fileInfo[0].fileId' : 'taskInfo.fileInfo[0].filePath');
  const destination = present(info.newFilePath) ? info.newFilePath : parentPath(archive);
  return {
    job: { type, libraryId, params: { path: archive, destination, ...(action === 503 ? { entries: partial } : {}) } },
    byId,
  };
}

