/**
 * TypeBox schemas of the AODocs routes' parameters (aodocs-job.json and
 * aodocs-library.json). Enumerations (`status`, `type`, `orderBy`, `include`) are
 * checked by mapping.ts so their 400s name the parameter and list the choices.
 * Unknown query parameters are tolerated: Google API clients add their own
 * (`alt`, `prettyPrint`, `fields`, `key`, `quotaUser`, …).
 */
import { Type } from '@sinclair/typebox';

/** `securityCode` and `domain`, accepted by every AODocs method. */
const Common = {
  securityCode: Type.Optional(Type.String({ maxLength: 1000, description: 'The security code' })),
  domain: Type.Optional(Type.String({ maxLength: 255, description: 'The G Suite domain' })),
};

export const MAX_PAGE_SIZE = 1000;

export const LibraryJobsParams = Type.Object({ libraryId: Type.String({ minLength: 1, maxLength: 256, description: 'The ID of the library' }) });

export const ListJobsQuery = Type.Object({
  ...Common,
  pageToken: Type.Optional(Type.String({ maxLength: 2000, description: "The value of 'nextPageToken' from the previous response" })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50, description: 'The maximum number of items to return' })),
  status: Type.Optional(Type.String({ maxLength: 64, description: 'IN_PROGRESS, COMPLETED, FAILED or CANCELLED' })),
  type: Type.Optional(Type.String({ maxLength: 128, description: 'The type of job to filter on (ApiJob.type)' })),
  user: Type.Optional(Type.String({ maxLength: 254, description: 'The email of the user who requested the job' })),
  orderBy: Type.Optional(Type.String({ maxLength: 64, description: "'sortCriterion sortDirection': [started|lastActivity] [asc|desc]" })),
});

export const JobIdParams = Type.Object({ jobId: Type.String({ minLength: 1, maxLength: 64, description: 'The ID of the job' }) });

export const CommonQuery = Type.Object({ ...Common });

export const JobEventsQuery = Type.Object({
  ...Common,
  onlyErrors: Type.Optional(Type.Boolean({ default: false, description: 'Whether to return only job events in error' })),
  pageToken: Type.Optional(Type.String({ maxLength: 2000 })),
  maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 100, description: 'Maximum number of events returned' })),
});

export const LibraryParams = Type.Object({ libId: Type.String({ minLength: 1, maxLength: 256, description: 'The ID of the library' }) });

export const GetLibraryQuery = Type.Object({
  ...Common,
  include: Type.Optional(Type.Array(Type.String({ maxLength: 500 }), { maxItems: 50, description: "Repeated or comma-separated: NONE, CLASSES, CATEGORY_DEFINITIONS, VIEWS, FOLDER_DEFINITION, WORKFLOWS, RELATIONS, PERMISSIONS, LIBRARY_LABELS" })),
  updateLastAccessed: Type.Optional(Type.Boolean({ default: false })),
});
