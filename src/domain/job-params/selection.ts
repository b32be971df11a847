/**
 * The parts job params share: what a job acts on (item paths or item ids,
 * exactly one of the two), how it treats a name already taken, and how a
 * property says what it refers to (`x-refers-to`, read by the CLI to turn a
 * flag into a value: a path is joined to the root, a library may be given by
 * name). Schemas only: no I/O, nothing but TypeBox, so the CLI can load them.
 */
import { Type, type TProperties, type TSchema } from '@sinclair/typebox';
import { ON_CONFLICT } from '../jobs.js';
import { MAX_PATH_BYTES } from '../item-path.js';

/** The most items one job may select (paths or ids). */
export const MAX_SELECTION = 10_000;

/** What a string or integer param refers to (an OpenAPI extension keyword; validators ignore it). */
export type RefersTo = 'item-path' | 'item-id' | 'library';
export const REFERS_TO = 'x-refers-to';

export function itemPath(description = 'an item path (/docs/a.txt; docs/a.txt is read from the root)') {
  return Type.String({ minLength: 1, maxLength: MAX_PATH_BYTES, description, [REFERS_TO]: 'item-path' });
}

export function libraryRef(description = 'a library id') {
  return Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description, [REFERS_TO]: 'library' });
}

export const ItemId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'an item id', [REFERS_TO]: 'item-id' });

export const Paths = Type.Array(itemPath(), {
  minItems: 1,
  maxItems: MAX_SELECTION,
  description: `The items by path (at most ${MAX_SELECTION}; an item inside another selected folder is covered by it).`,
});

export const ItemIds = Type.Array(ItemId, {
  minItems: 1,
  maxItems: MAX_SELECTION,
  description: `The items by id (at most ${MAX_SELECTION}), instead of paths.`,
});

export const OnConflict = Type.Union(
  ON_CONFLICT.map((value) => Type.Literal(value)),
  { default: 'fail', description: "what happens when an item's name is taken where it goes (overwrite: the item in the way goes to the trash; rename: a (1).txt)" },
);

/**
 * `{paths, …rest}` or `{itemIds, …rest}`: the selection is one or the other,
 * never both (each branch refuses the other's key), with the same other params.
 */
export function selection<T extends TProperties>(rest: T) {
  return Type.Union([
    Type.Object({ paths: Paths, ...rest }, { additionalProperties: false, title: 'by path' }),
    Type.Object({ itemIds: ItemIds, ...rest }, { additionalProperties: false, title: 'by id' }),
  ]);
}

/** Whether a schema is a selection union (the top level of a job type's params). */
export function branchesOf(schema: TSchema): TSchema[] {
  return Array.isArray(schema.anyOf) ? (schema.anyOf as TSchema[]) : [schema];
}
