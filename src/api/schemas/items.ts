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

/** A folder listing's orders: ties go by name in the same direction. */
export const CHILD_ORDERS = ['name_asc', 'name_desc', 'size_asc', 'size_desc', 'modified_asc', 'modified_desc'] as const;
export type ChildOrderName = (typeof CHILD_ORDERS)[number];

const ChildOrderParam = Type.Union(
  CHILD_ORDERS.map((order) => Type.Literal(order)),
  { default: 'name_asc', description: 'name_asc (default), name_desc, size_asc, size_desc, modified_asc or modified_desc; ties go by name. A cursor is good only for the order it came from.' },
);

/** `size_desc` → `{by: 'size', desc: true}` (the service's and the store's form). */
export function childOrderOf(order: ChildOrderName | undefined): { by: 'name' | 'size' | 'modified'; desc: boolean } | undefined {
  if (order === undefined) return undefined;
  const [by, direction] = order.split('_') as ['name' | 'size' | 'modified', 'asc' | 'desc'];
  return { by, desc: direction === 'desc' };
}

export const ListItemsQuery = Type.Object(
  {
    path: Type.Optional(Type.String({ maxLength: 4096, default: '/' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 6000 })),
    order: Type.Optional(ChildOrderParam),
  },
  { additionalProperties: false },
);

/** The children of a folder by its id: a page, in an order. */
export const ChildrenQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 6000 })),
    order: Type.Optional(ChildOrderParam),
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
