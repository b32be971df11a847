/** Params of the backup job types: `backup` takes a snapshot, `restore_backup` brings one back. */
import { Type } from '@sinclair/typebox';
import { itemPath, libraryRef, MAX_SELECTION, OnConflict } from './selection.js';

export const MAX_LABEL_LENGTH = 200;

export const BackupParams = Type.Object(
  {
    path: Type.Optional(itemPath('the folder to back up (default: the whole library)')),
    storage: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: "the storage location (BATCHYARD_STORAGES) the snapshot's bytes live in (default: the library's own; another one gets a copy of each blob it lacks)" }),
    ),
    label: Type.Optional(Type.String({ maxLength: MAX_LABEL_LENGTH, description: 'a free-form label shown with the snapshot' })),
  },
  { additionalProperties: false },
);

export const RestoreBackupParams = Type.Object(
  {
    snapshotId: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'the snapshot to restore (or give `at`)' })),
    at: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'an ISO 8601 time: the newest snapshot of the library taken at or before it (or give `snapshotId`)' })),
    paths: Type.Optional(
      Type.Array(itemPath('a library path inside the snapshot'), {
        minItems: 1,
        maxItems: MAX_SELECTION,
        description: 'what to restore (default: the whole snapshot); a path inside another selected one is covered by it',
      }),
    ),
    destination: Type.Optional(itemPath('the folder the restored items go into (created if missing; default: each goes back to where it was)')),
    targetLibraryId: Type.Optional(libraryRef('the library to restore into (default: the snapshot’s own)')),
    onConflict: Type.Optional(OnConflict),
  },
  { additionalProperties: false },
);
