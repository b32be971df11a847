/**
 * A KooDrive create-task body → the native job it means (`SubmitJob`), and
 * native field names → the KooDrive ones the client sent (kooFieldOf). Per task type:
 * - 1 copy (101) / 3 move (301): fileInfo → paths, newFilePath → destination,
 *   dstContainerId (or containerId) other than srcContainerId → targetLibraryId;
 * - 2 deletion: 201 (default) → trash, 202 → purge, {itemIds} or {paths};
 * - 4 restore (401): {itemIds} or {paths} (items in the recycle bin);
 * - 7 empty the recycle bin (701): no fileInfo;
 * - 5 extract, 6 package download: no such job type on this server → 400.
 * A fileInfo entry names its item by `fileId` (its id) or `filePath` (its
 * path). Every job type takes either: ids go straight through when every
 * entry has one (an unknown id fails as that item's NOT_FOUND when the task
 * is planned, as any vanished item does), else paths when every entry has
 * one; a mix of the two is a 400 naming the entry.
 */
import type { Static } from '@sinclair/typebox';
import type { SubmitJob } from '../../services/job-service.js';
import { InvalidArgumentError } from '../../domain/errors.js';
import { ACTIONS_BY_TASK_TYPE } from './mapping.js';
import type { CreateJobBody } from './schemas.js';

export type CreateJob = Static<typeof CreateJobBody>;

const TASK_NAMES: Record<number, string> = {
  1: 'batch replication',
  2: 'batch deletion',
  3: 'batch relocation',
  4: 'batch restoration of recycle bin data',
  5: 'cloud decompression',
  6: 'package download',
  7: 'recycle bin clearance',
};

function itemIdOf(raw: string | number, field: string): number {
  const id = typeof raw === 'number' ? raw : /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(id) || id <= 0) throw new InvalidArgumentError(`${field}: '${String(raw).slice(0, 32)}' is not a file id`, { field });
  return id;
}

function nativeTypeOf(body: CreateJob): string {
  const actions = ACTIONS_BY_TASK_TYPE[body.taskType]!;
  const chosen = body.actionType === undefined ? actions[0]! : actions.find(([action]) => action === body.actionType);
  if (!chosen) {
    throw new InvalidArgumentError(
      `actionType: ${body.actionType} is not an operation of taskType ${body.taskType} (expected ${actions.map(([a]) => a).join(' or ')})`,
      { field: 'actionType' },
    );
  }
  const [, native] = chosen;
  if (native === null) {
    throw new InvalidArgumentError(`taskType: ${body.taskType} (${TASK_NAMES[body.taskType]}) is not supported by this server`, { field: 'taskType' });
  }
  return native;
}

function targetSpaceOf(body: CreateJob): string | undefined {
  const { dstContainerId, containerId } = body;
  if (dstContainerId !== undefined && containerId !== undefined && dstContainerId !== containerId) {
    throw new InvalidArgumentError('containerId: differs from dstContainerId (send one target space)', { field: 'containerId' });
  }
  return dstContainerId ?? containerId;
}

export function toSubmitJob(body: CreateJob): SubmitJob {
  const type = nativeTypeOf(body);
  const info = body.taskInfo;
  const source = info.srcContainerId;
  const target = targetSpaceOf(body);
  const files = info.fileInfo ?? [];
  const crossSpace = type === 'copy' || type === 'move';
  if (!crossSpace && target !== undefined && target !== source) {
    throw new InvalidArgumentError(`dstContainerId: taskType ${body.taskType} works within one space; it must be taskInfo.srcContainerId`, { field: 'dstContainerId' });
  }
  if (!crossSpace && info.newFilePath !== undefined && info.newFilePath !== '') {
    throw new InvalidArgumentError(`taskInfo.newFilePath: not used by taskType ${body.taskType}`, { field: 'taskInfo.newFilePath' });
  }
  if (type === 'empty_trash') {
    if (files.length > 0) throw new InvalidArgumentError('taskInfo.fileInfo: taskType 7 empties the whole recycle bin; send no fileInfo', { field: 'taskInfo.fileInfo' });
    return { type, libraryId: source, params: {} };
  }
  if (files.length === 0) throw new InvalidArgumentError('taskInfo.fileInfo: required, at least one {fileId, filePath}', { field: 'taskInfo.fileInfo' });

  const field = (i: number, leaf: 'fileId' | 'filePath') => `taskInfo.fileInfo[${i}].${leaf}`;
  const hasId = (f: (typeof files)[number]) => f.fileId !== undefined && f.fileId !== '';
  const hasPath = (f: (typeof files)[number]) => f.filePath !== undefined && f.filePath !== '';
  let selection: { paths: string[] } | { itemIds: number[] };
  if (files.every(hasId)) {
    selection = { itemIds: files.map((f, i) => itemIdOf(f.fileId!, field(i, 'fileId'))) };
  } else if (files.every(hasPath)) {
    selection = { paths: files.map((f) => f.filePath!) };
  } else {
    const i = files.findIndex((f) => !hasId(f) && !hasPath(f));
    if (i >= 0) throw new InvalidArgumentError(`taskInfo.fileInfo[${i}]: give its fileId or filePath`, { field: `taskInfo.fileInfo[${i}]` });
    const j = files.findIndex((f) => !hasPath(f));
    throw new InvalidArgumentError(`taskInfo.fileInfo[${j}].filePath: required; name every entry by fileId or every entry by filePath`, { field: `taskInfo.fileInfo[${j}].filePath` });
  }

  if (!crossSpace) return { type, libraryId: source, params: selection };
  if (info.newFilePath === undefined || info.newFilePath === '') {
    throw new InvalidArgumentError(`taskInfo.newFilePath: required for taskType ${body.taskType}, the destination folder`, { field: 'taskInfo.newFilePath' });
  }
  return {
    type,
    libraryId: source,
    params: { ...selection, destination: info.newFilePath, ...(target !== undefined && target !== source ? { targetLibraryId: target } : {}) },
  };
}

const FIELD_RENAMES: ReadonlyArray<readonly [RegExp, (...groups: string[]) => string]> = [
  [/^params\.paths\[(\d+)\]/, (i) => `taskInfo.fileInfo[${i}].filePath`],
  [/^params\.itemIds\[(\d+)\]/, (i) => `taskInfo.fileInfo[${i}].fileId`],
  [/^params\.(paths|itemIds)/, () => 'taskInfo.fileInfo'],
  [/^params\.destination/, () => 'taskInfo.newFilePath'],
  [/^params\.targetLibraryId/, () => 'dstContainerId'],
  [/^libraryId/, () => 'taskInfo.srcContainerId'],
];

/** The native job fields a create becomes → the KooDrive fields the client sent (renameField's map). */
export function kooFieldOf(field: string): string | undefined {
  for (const [pattern, rename] of FIELD_RENAMES) {
    const m = pattern.exec(field);
    if (m) return rename(...m.slice(1)) + field.slice(m[0].length);
  }
  return undefined;
}
