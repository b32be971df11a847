/**
 * The library resource: AODocs' ApiLibrary (generated from their OpenAPI
 * document, see scripts/gen-aodocs-library-schema.mjs) plus `appType`,
 * `usage` and `retention`.
 */
import { Type } from '@sinclair/typebox';
import { ApiLibrarySchema } from '../../domain/library/library-config.js';
import { MAX_RETENTION_COUNT } from '../../domain/retention-input.js';

/** What the library stores (read-only): items but the root folder, live and trashed, and their files' bytes. */
const LibraryUsage = Type.Object(
  {
    items: Type.Integer({ minimum: 0, description: 'files and folders, live and in the trash (the root folder not counted)' }),
    bytes: Type.Integer({ minimum: 0, description: "the files' sizes, live and in the trash (content shared by several files counts for each)" }),
  },
  { description: 'what the library stores (batchyard extension, read-only); kept exact by every change; trashed items count until purged' },
);

const keepCount = (what: string) => Type.Integer({ minimum: 0, maximum: MAX_RETENTION_COUNT, description: `${what} (0: off)` });

/** The snapshot retention policy (restic's forget --keep-* options and meaning). */
const LibraryRetention = Type.Object(
  {
    keepLast: keepCount('the n newest snapshots'),
    keepDaily: keepCount('the newest snapshot of each of the n latest days that have one'),
    keepWeekly: keepCount('the newest snapshot of each of the n latest ISO weeks that have one'),
    keepMonthly: keepCount('the newest snapshot of each of the n latest months that have one'),
    keepYearly: keepCount('the newest snapshot of each of the n latest years that have one'),
    keepWithin: Type.Union([Type.String({ pattern: '^([0-9]+[ymdh])+$' }), Type.Null()], {
      description: 'every snapshot newer than the newest one minus this restic duration, e.g. "1y2m3d4h" (null: off)',
    }),
  },
  {
    description:
      "which snapshots the retention job keeps, with restic's meaning (days, weeks, months, years in UTC); a snapshot is kept when any rule keeps it, all are kept while every rule is off (batchyard extension; set with PATCH: the object replaces the policy, an omitted field is off)",
  },
);

export const LibraryBody = Type.Unsafe<Record<string, unknown>>({
  ...(ApiLibrarySchema as object),
  properties: { ...ApiLibrarySchema.properties, usage: LibraryUsage, retention: LibraryRetention },
  $id: 'Library',
  title: 'Library',
});

/** Create/PATCH bodies: the settable fields of Library; validated field by field by the library service. */
export const LibraryInput = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'Settable fields of the Library resource (name, appType, daysBeforeDelete, findableBy, restrictedDownload, objectStorageLocation, retention, configuration sections …).',
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
