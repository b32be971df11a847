/**
 * The library resource: AODocs' ApiLibrary (generated from their OpenAPI
 * document, see scripts/gen-aodocs-library-schema.mjs) plus `appType`.
 */
import { Type } from '@sinclair/typebox';
import { ApiLibrarySchema } from '../../domain/library/library-config.js';

/** What the library stores (read-only): items but the root folder, live and trashed, and their files' bytes. */
const LibraryUsage = Type.Object(
  {
    items: Type.Integer({ minimum: 0, description: 'files and folders, live and in the trash (the root folder not counted)' }),
    bytes: Type.Integer({ minimum: 0, description: "the files' sizes, live and in the trash (content shared by several files counts for each)" }),
  },
  { description: 'what the library stores (batchyard extension, read-only); kept exact by every change; trashed items count until purged' },
);

export const LibraryBody = Type.Unsafe<Record<string, unknown>>({
  ...(ApiLibrarySchema as object),
  properties: { ...ApiLibrarySchema.properties, usage: LibraryUsage },
  $id: 'Library',
  title: 'Library',
});

/** Create/PATCH bodies: the settable fields of Library; validated field by field by the library service. */
export const LibraryInput = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Settable fields of the Library resource (name, appType, daysBeforeDelete, findableBy, restrictedDownload, objectStorageLocation, configuration sections …).',
});

export const PermissionsInput = Type.Object(
  {
    permissions: Type.Array(
      Type.Object({
        type: Type.Union([Type.Literal('user'), Type.Literal('domain')]),
        value: Type.String({ minLength: 1, maxLength: 254 }),
        role: Type.Union([Type.Literal('READER'), Type.Literal('WRITER'), Type.Literal('ADMIN')]),
        kind: Type.Optional(Type.String()),
        name: Type.Optional(Type.String()),
        thumbnailPhotoUrl: Type.Optional(Type.String()),
        withLink: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      { maxItems: 1000 },
    ),
  },
  { additionalProperties: false },
);
