/** Params of the backup job types: `backup` takes a snapshot, `restore_backup` brings one back. */
import { Type } from '@sinclair/typebox';
import { itemPath } from './selection.js';

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
