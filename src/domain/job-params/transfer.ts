/**
 * The params of the job types that move bytes in and out of a library
 * (export, import, extract) or read it whole (replicate, report, verify).
 * Schemas only, as in selection.ts: the CLI loads them too.
 */
import { Type } from '@sinclair/typebox';
import { MAX_SELECTION, OnConflict, Paths, itemPath, libraryRef } from './selection.js';
import { MAX_PATH_BYTES } from '../item-path.js';

export const ExportParams = Type.Object(
  {
    paths: Paths,
    format: Type.Optional(Type.Literal('zip', { default: 'zip', description: 'the archive format (zip; ZIP64 past 4 GiB or 65,535 entries)' })),
  },
  { additionalProperties: false },
);

/** A directory on the server, under one of the operator's import roots (BATCHYARD_IMPORT_ROOTS). */
export const ServerPathSource = Type.Object(
  {
    type: Type.Literal('server_path'),
    path: Type.String({ minLength: 1, maxLength: 4096, description: 'an absolute directory on the server, under an import root' }),
  },
  { additionalProperties: false, title: 'server directory' },
);

/** An archive (zip, tar, tar.gz) uploaded with the tus protocol at /api/v1/uploads. */
export const UploadSource = Type.Object(
  {
    type: Type.Literal('upload'),
    uploadId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$', description: 'the id of a finished tus upload (the last segment of its Location)' }),
  },
  { additionalProperties: false, title: 'uploaded archive' },
);

export const ImportParams = Type.Object(
  {
    source: Type.Union([ServerPathSource, UploadSource], { description: 'where the files come from' }),
    destination: itemPath('the folder the files go into (created if missing)'),
    onConflict: Type.Optional(OnConflict),
  },
  { additionalProperties: false },
);

export const ExtractParams = Type.Object(
  {
    path: itemPath('the archive in the library (zip, tar or tar.gz; told by its content, not its name)'),
    destination: itemPath('the folder the entries go into (created if missing)'),
    entries: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: MAX_PATH_BYTES }), {
        minItems: 1,
        maxItems: MAX_SELECTION,
        description: `only these entries (their names in the archive; a folder entry brings what is under it; at most ${MAX_SELECTION})`,
      }),
    ),
    onConflict: Type.Optional(OnConflict),
  },
  { additionalProperties: false },
);

export const ReplicateParams = Type.Object(
  {
    targetLibraryId: libraryRef('the library that becomes a mirror'),
    sourcePath: Type.Optional(itemPath('the folder to mirror (default: the whole library)')),
    targetPath: Type.Optional(itemPath('the folder that mirrors it (default: the target library root)')),
    deleteExtraneous: Type.Optional(Type.Boolean({ default: false, description: 'trash what the target has and the source lacks' })),
    dryRun: Type.Optional(Type.Boolean({ default: false, description: 'report per item what would change, and change nothing' })),
  },
  { additionalProperties: false },
);

export const ReportParams = Type.Object(
  {
    path: Type.Optional(itemPath('the folder to report on (default: the whole library)')),
    format: Type.Union([Type.Literal('csv'), Type.Literal('json')], { default: 'csv', description: 'csv or json' }),
    kind: Type.Optional(
      Type.Union([Type.Literal('inventory'), Type.Literal('permissions')], {
        default: 'inventory',
        description: 'inventory: every item (path, kind, size, sha256, media type, times, trashed); permissions: who holds which role',
      }),
    ),
  },
  { additionalProperties: false },
);

export const VerifyParams = Type.Object(
  {
    path: Type.Optional(itemPath('the folder to verify (default: the whole library)')),
    repair: Type.Optional(Type.Boolean({ default: false, description: 'fix what can be fixed from the catalog, and say what was fixed' })),
  },
  { additionalProperties: false },
);
