/**
 * Hot reads without Kysely's per-call query building: the builder runs once
 * per database with placeholder values, its SQL text is kept, and later
 * calls only bind new parameters. The builder must pass each parameter
 * through untouched (no arithmetic, no branching on values); a query with an
 * optional clause is two prepared queries. Inside transactions the builder
 * runs as usual (transaction objects are short-lived).
 */
import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { Database } from './schema.js';

const PLACEHOLDER = '\u0000batchyard-param:';

type Slot = { key: string } | { value: unknown };

export interface PreparedQuery<P extends Record<string, unknown>, R> {
  rows(db: Kysely<Database>, params: P): Promise<R[]>;
}

export function prepared<P extends Record<string, unknown>, R>(
  keys: ReadonlyArray<keyof P & string>,
  build: (db: Kysely<Database>, params: P) => Compilable<R>,
): PreparedQuery<P, R> {
  const compiled = new WeakMap<Kysely<Database>, { sql: string; slots: Slot[] }>();
  const placeholders = Object.fromEntries(keys.map((key) => [key, PLACEHOLDER + key])) as unknown as P;
  return {
    async rows(db, params) {
      if (db.isTransaction) return (await db.executeQuery(build(db, params))).rows;
      let entry = compiled.get(db);
      if (!entry) {
        const query = build(db, placeholders).compile();
        const slots = query.parameters.map((value): Slot =>
          typeof value === 'string' && value.startsWith(PLACEHOLDER) ? { key: value.slice(PLACEHOLDER.length) } : { value },
        );
        entry = { sql: query.sql, slots };
        compiled.set(db, entry);
      }
      const parameters = entry.slots.map((slot) => ('key' in slot ? params[slot.key] : slot.value));
      return (await db.executeQuery<R>(CompiledQuery.raw(entry.sql, parameters))).rows;
    },
  };
}
