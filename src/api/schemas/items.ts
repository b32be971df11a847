/** Schemas for items (files and folders). */
import { Type } from '@sinclair/typebox';

export const ItemBody = Type.Object(
  {
    id: Type.Integer(),
    libraryId: Type.String(),
    path: Type.String(),
    name: Type.String(),
    kind: Type.Union([Type.Literal('file'), Type.Literal('folder')]),
    size: Type.Integer(),
    sha256: Type.Union([Type.String(), Type.Null()]),
    contentType: Type.Union([Type.String(), Type.Null()], { description: 'files: the media type (declared at upload or guessed from the name); folders: null' }),
    createdAt: Type.String({ format: 'date-time' }),
    modifiedAt: Type.String({ format: 'date-time' }),
    trashedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'Item', title: 'Item' },
);

export const CreateFolderBody = Type.Object(
  { path: Type.String({ minLength: 1, maxLength: 4096 }) },
  { additionalProperties: false },
);

export const ListItemsQuery = Type.Object(
  {
    path: Type.Optional(Type.String({ maxLength: 4096, default: '/' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 6000 })),
  },
  { additionalProperties: false },
);

export const MoveItemBody = Type.Object(
  {
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'the new path in the same library (missing parent folders are created)' })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'a new name in the same folder' })),
  },
  { additionalProperties: false, description: 'exactly one of `path` (move) or `name` (rename)' },
);
