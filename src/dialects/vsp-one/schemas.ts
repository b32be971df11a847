/**
 * TypeBox schemas of the VSP One request bodies (validation only: the routes
 * are hidden from the native OpenAPI document). Optional fields also take
 * `null`, as the page says of `bucketName` and as Python clients send `None`.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

const INT32 = { minimum: -2_147_483_648, maximum: 2_147_483_647 } as const;

const nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

/** `{id}`: VSP's integer identifier object (`jobId`, `userId`). */
export const IdObject = Type.Object({ id: Type.Integer(INT32) });

export const ListJobsBody = Type.Object({
  userId: nullable(IdObject),
  bucketName: nullable(Type.String({ maxLength: 1024 })),
  pageSize: nullable(Type.Integer({ minimum: 0, maximum: MAX_PAGE_SIZE, description: '0 or absent: 100' })),
  pageToken: nullable(Type.String({ maxLength: 2048 })),
});
export type ListJobsBody = Static<typeof ListJobsBody>;

export const CreateJobBody = Type.Object({
  jobType: Type.String({ maxLength: 64 }),
  bucketName: Type.String({ minLength: 1, maxLength: 1024 }),
  jobParams: nullable(Type.Record(Type.String(), Type.Unknown())),
});
export type CreateJobBody = Static<typeof CreateJobBody>;

export const JobIdBody = Type.Object({ jobId: IdObject });
export type JobIdBody = Static<typeof JobIdBody>;
