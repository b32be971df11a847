/**
 * A KooDrive create-task body → the native job it means (`SubmitJob`), and
 * native field names → the KooDrive ones the client sent (kooFieldOf). Per task type:
 * - 1 copy (101) / 3 move (301): fileInfo → paths, newFilePath → destination,
 *   dstContainerId (or containerId) other than srcContainerId → targetLibraryId;
 * - 2 deletion: 201 (default) → trash, 202 → purge, {itemIds} or {paths};
 * - 4 restore (401): {itemIds} or {paths} (items in the recycle bin);
 * - 7 empty the recycle bin (701): no fileInfo;
 * - 5 cloud decompression (502 all, 503 part) and 6 package download (601):
 *   transfer-request.ts (their file ids become paths, which needs the catalog);
 *   501 (preview an archive) is a 400.
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

/** The action types this server names but does not serve. */
const ACTION_NAMES: Record<number, string> = { 501: 'compressed package preview' };

/** What a KooDrive task type is called (the page's words), for messages. */
export function taskNameOf(taskType: number): string {
  return TASK_NAMES[taskType] ?? `task type ${taskType}`;
}

function itemIdOf(raw: string | number, field: string): number {
  const id = typeof raw === 'number' ? raw : /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(id) || id <= 0) throw new InvalidArgumentError(`${field}: '${String(raw).slice(0, 32)}' is not a file id`, { field });
  return id;
}

/** The native type a create means; 400 naming `actionType` or `taskType` when there is none. */
export function nativeTypeOf(body: CreateJob): string {
  const actions = ACTIONS_BY_TASK_TYPE[body.taskType]!;
  const chosen = body.actionType === undefined ? actions[0]! : actions.find(([action]) => action === body.actionType);
  if (!chosen) {
    throw new InvalidArgumentError(
      `actionType: ${body.actionType} is not an operation of taskType ${body.taskType} (expected ${actions.map(([a]) => a).join(' or ')})`,
      { field: 'actionType' },
    );
  }
  const [action, native] = chosen;
  if (native === null) {
    if (body.actionType !== undefined && ACTION_NAMES[action] !== undefined) {
      throw new InvalidArgumentError(`actionType: ${action} (${ACTION_NAMES[action]}) is not supported by this server`, { field: 'actionType' });
    }
    throw new InvalidArgumentError(`taskType: ${body.taskType} (${TASK_NAMES[body.taskType]}) is not supported by this server`, { field: 'taskType' });
  }
  return native;
}

/**
 * The items `fileInfo` names: `{itemIds}` when every entry has a fileId, else `{paths}`
 * when every entry has a filePath; 400 naming the entry otherwise (none, or a mix).
 */
export function selectionOf(files: NonNullable<CreateJob['taskInfo']['fileInfo']>): { paths: string[] } | { itemIds: number[] } {
  if (files.length === 0) throw new InvalidArgumentError('taskInfo.fileInfo: required, at least one {fileId, filePath}', { field: 'taskInfo.fileInfo' });
  const field = (i: number, leaf: 'fileId' | 'filePath') => `taskInfo.fileInfo[${i}].${leaf}`;
  const hasId = (f: (typeof files)[number]) => f.fileId !== undefined && f.fileId !== '';
  const hasPath = (f: (typeof files)[number]) => f.filePath !== undefined && f.filePath !== '';
  if (files.every(hasId)) return { itemIds: files.map((f, i) => itemIdOf(f.fileId!, field(i, 'fileId'))) };
  if (files.every(hasPath)) return { paths: files.map((f) => f.filePath!) };
  const i = files.findIndex((f) => !hasId(f) && !hasPath(f));
  if (i >= 0) throw new InvalidArgumentError(`taskInfo.fileInfo[${i}]: give its fileId or filePath`, { field: `taskInfo.fileInfo[${i}]` });
  const j = files.findIndex((f) => !hasPath(f));
  throw new InvalidArgumentError(`taskInfo.fileInfo[${j}].filePath: required; name every entry by fileId or every entry by filePath`, { field: `taskInfo.fileInfo[${j}].filePath` });
}

/** The target space a body names (dstContainerId, or the listing's containerId); 400 when both are sent and differ. */
export function targetSpaceOf(body: CreateJob): string | undefined {
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
  const selection = selectionOf(files);
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
  [/^params\.path(?!\w)/, () => 'taskInfo.fileInfo[0].filePath'],
  [/^params\.entries\[(\d+)\]/, (i) => `taskInfo.uncompressFilePaths[${i}]`],
  [/^params\.entries/, () => 'taskInfo.uncompressFilePaths'],
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
