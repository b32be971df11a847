/** Schemas for snapshots (backups of a library): the list, one snapshot, and browsing one like a folder. */
import { Type } from '@sinclair/typebox';
import { LibraryIdParams, NextCursor } from './common.js';

export const SnapshotBody = Type.Object(
  {
    id: Type.Integer(),
    libraryId: Type.String(),
    label: Type.Union([Type.String(), Type.Null()]),
    path: Type.String({ description: "the folder the snapshot was taken of ('/' for the whole library)" }),
    storage: Type.String({ description: "the storage location holding the snapshot's bytes" }),
    createdAt: Type.String({ format: 'date-time', description: 'the instant the library is recorded as of' }),
    jobId: Type.Union([Type.Integer(), Type.Null()], { description: 'the backup job that took it' }),
    counts: Type.Object({ files: Type.Integer(), folders: Type.Integer() }),
    bytes: Type.Integer({ description: "the files' sizes added up (content shared by several files counts once per file)" }),
    added: Type.Integer({ description: 'files and folders added since the previous snapshot of the same library and path' }),
    changed: Type.Integer({ description: 'files whose content, media type or modification time changed since then' }),
    removed: Type.Integer({ description: 'files and folders removed since then' }),
    rootTree: Type.String({ description: "the SHA-256 of the snapshot's root tree (equal roots: equal snapshots)" }),
  },
  { title: 'Snapshot' },
);

export const SnapshotPage = Type.Object({ snapshots: Type.Array(SnapshotBody), nextCursor: NextCursor });

export const SnapshotParams = Type.Object({
  ...LibraryIdParams.properties,
  snapshotId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
});

export const SnapshotItemsQuery = Type.Object(
  {
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'a folder at or under the one the snapshot was taken of (default: that folder)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 6000 })),
  },
  { additionalProperties: false },
);

/** An entry of a snapshot's folder: the folder listing's item fields that a snapshot keeps (no id, never trashed). */
export const SnapshotItemBody = Type.Object(
  {
    libraryId: Type.String(),
    path: Type.String(),
    name: Type.String(),
    kind: Type.Union([Type.Literal('file'), Type.Literal('folder')]),
    size: Type.Integer(),
    sha256: Type.Union([Type.String(), Type.Null()]),
    contentType: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    modifiedAt: Type.String({ format: 'date-time' }),
  },
  { title: 'SnapshotItem' },
);

export const SnapshotItemPage = Type.Object({ path: Type.String(), items: Type.Array(SnapshotItemBody), nextCursor: NextCursor });
