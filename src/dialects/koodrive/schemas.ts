/**
 * TypeBox schemas of the KooDrive routes: the listing query, the task id,
 * the create-task body (KooDrive's CreateJob: taskType, actionType, taskInfo
 * {fileInfo, newFilePath, srcContainerId}, dstContainerId) and the response
 * bodies. Unknown query parameters and body fields are ignored, as a vendor
 * server does; every known one is typed and ranged.
 */
import { Type } from '@sinclair/typebox';

const SpaceId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'A space (library) id.' });

export const ListJobsQuery = Type.Object({
  type: Type.Optional(Type.Integer({ minimum: 1, maximum: 7, description: '1 copy, 2 deletion, 3 move, 4 restore, 5 extract, 6 package download, 7 empty the recycle bin' })),
  status: Type.Optional(Type.Integer({ minimum: 0, maximum: 3, description: '0 to be processed, 1 being processed, 2 completed, 3 cancelled' })),
  offset: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Rows to skip (the page says "larger than 0"; its sample sends 0).' }),
  limit: Type.Integer({ minimum: 1, maximum: 100 }),
});

export const JobIdParams = Type.Object({
  jobId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A task id (taskId).' }),
});

export const FileInfo = Type.Object({
  fileId: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Integer()], { description: 'An item id.' })),
  filePath: Type.Optional(Type.String({ maxLength: 4096, description: 'An item path in the source space.' })),
});

export const CreateJobBody = Type.Object({
  taskType: Type.Integer({ minimum: 1, maximum: 7 }),
  actionType: Type.Optional(Type.Integer({ description: '101 copy; 201 to the recycle bin, 202 permanently; 301 move; 401 restore; 501–503 extract; 601 package; 701 empty the recycle bin' })),
  taskInfo: Type.Object({
    fileInfo: Type.Optional(Type.Array(FileInfo, { maxItems: 10_000 })),
    newFilePath: Type.Optional(Type.String({ maxLength: 4096, description: 'The destination folder of a copy or move.' })),
    srcContainerId: SpaceId,
    uncompressFilePaths: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 10_000, description: 'The entries a partial decompression (503) unpacks: their full paths in the archive.' }),
    ),
  }),
  dstContainerId: Type.Optional(SpaceId),
  /** The listing's name for the target space, accepted as a synonym of dstContainerId. */
  containerId: Type.Optional(SpaceId),
  password: Type.Optional(Type.String({ maxLength: 1024, description: 'A compressed package password (encrypted archives are refused).' })),
});

const Time = Type.String({ pattern: '^\\d{14}$', description: 'yyyyMMddHHmmss, UTC' });

export const JobInfoBody = Type.Object({
  taskId: Type.String(),
  taskType: Type.Integer(),
  actionType: Type.Integer(),
  status: Type.Integer(),
  taskResultCode: Type.Optional(Type.Integer()),
  resultCode: Type.Optional(Type.Integer()),
  contentNum: Type.Integer(),
  containerId: Type.String(),
  tenantId: Type.String(),
  beginTime: Type.Optional(Time),
  endTime: Type.Optional(Time),
  createTime: Time,
  downloadUrl: Type.Optional(Type.String({ description: 'A package download (6) that has ended with its package: a signed link to it, valid for a limited time.' })),
});

export const JobDetailBody = Type.Composite([
  JobInfoBody,
  Type.Object({
    userId: Type.String(),
    progress: Type.Integer(),
  }),
]);

/** One file the task request named, and how it went (task-detail.ts). */
export const TaskInfoBody = Type.Object({
  fileId: Type.Optional(Type.String()),
  filePath: Type.Optional(Type.String()),
  srcContainerId: Type.String(),
  status: Type.String({ description: '"0" not done yet, "1" done, "2" failed, "3" cancelled' }),
});

/** Successful bodies carry the sample's numeric `code` 0 and `msg` "OK". */
const Ok = { code: Type.Integer(), msg: Type.String() };

export const ListJobsResponse = Type.Object({ ...Ok, data: Type.Array(JobInfoBody) });
export const CreateJobResponse = Type.Object({ ...Ok, data: Type.String({ description: 'The new task id.' }) });
export const JobDetailResponse = Type.Object({ ...Ok, data: Type.Object({ jobInfo: JobDetailBody, taskInfos: Type.Array(TaskInfoBody) }) });

export const KooErrorBody = Type.Object({ code: Type.String(), msg: Type.String() });

export const errorResponses = {
  400: KooErrorBody,
  401: KooErrorBody,
  403: KooErrorBody,
  404: KooErrorBody,
  429: KooErrorBody,
  500: KooErrorBody,
  503: KooErrorBody,
} as const;
