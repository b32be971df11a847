/**
 * The library resource: AODocs' ApiLibrary (generated from their OpenAPI
 * document, see scripts/gen-aodocs-library-schema.mjs) plus `appType`.
 */
import { Type } from '@sinclair/typebox';
import { ApiLibrarySchema } from '../../domain/library/library-config.js';

export const LibraryBody = Type.Unsafe<Record<string, unknown>>({ ...(ApiLibrarySchema as object), $id: 'Library', title: 'Library' });

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
