/**
 * How every route's schema (native and dialect: the dialects are child
 * contexts and inherit this) becomes a validator. Two ajv instances:
 *
 * - bodies are JSON and keep their types: `"filePath": 7` is a 400 naming
 *   `filePath`, not the string "7" (no coercion);
 * - query strings, path parameters and headers are text, so they are coerced
 *   (`?limit=5` → 5, a single `?status=x` → ["x"]).
 *
 * ajv's coercion turns "Infinity", "-Infinity" and overflowing strings such as
 * "1e309" into non-finite numbers that pass `type: integer` and every
 * `minimum`/`maximum` (ajv skips range checks on non-finite numbers), so a
 * guard after each successful validation refuses any non-finite number, and
 * any number past ±(2^53 − 1): no parameter of ours means anything there, and
 * the databases would see a value they cannot store. The same guard refuses
 * strings (and property names) holding U+0000, which PostgreSQL cannot store
 * in text or jsonb: on either driver, such a value is a 400 naming its field.
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifySchemaValidationError, FastifyServerOptions } from 'fastify';

type ValidatorFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator'];
type RouteDefinition = Parameters<ReturnType<NonNullable<ValidatorFactory>>>[0];

const SHARED = { removeAdditional: false, useDefaults: true, allErrors: false, strictNumbers: true } as const;
const BODY_OPTIONS = { customOptions: { ...SHARED, coerceTypes: false } };
const TEXT_OPTIONS = { customOptions: { ...SHARED, coerceTypes: 'array' as const } };

interface Validate {
  (data: unknown, dataCtx?: unknown): boolean;
  errors?: FastifySchemaValidationError[] | null;
  /** Present on ajv's functions: Fastify then passes the parent so ajv can replace a coerced root value. */
  schemaEnv?: unknown;
}

const NUL = '\u0000';

/** The JSON pointer of the first value no field can hold, with why; undefined when there is none. */
function unusableValue(value: unknown, pointer: string, depth = 0): { pointer: string; message: string } | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { pointer, message: 'must be a finite number' };
    if (Math.abs(value) > Number.MAX_SAFE_INTEGER) return { pointer, message: `must be between ${-Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}` };
    return undefined;
  }
  if (typeof value === 'string') return value.includes(NUL) ? { pointer, message: 'must not contain the NUL character (U+0000)' } : undefined;
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [key, v] of entries) {
    const child = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (key.includes(NUL)) return { pointer: child, message: 'must not contain the NUL character (U+0000)' };
    const found = unusableValue(v, child, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function guardValues(validate: Validate): Validate {
  const guarded: Validate = (data, dataCtx) => {
    if (!validate(data, dataCtx)) {
      guarded.errors = validate.errors;
      return false;
    }
    const found = unusableValue(data, '');
    if (found === undefined) {
      guarded.errors = null;
      return true;
    }
    // Shaped as ajv's issues are, so every error handler names the field the way it names any other.
    guarded.errors = [{ keyword: 'unusableValue', instancePath: found.pointer, schemaPath: '#', params: {}, message: found.message }];
    return false;
  };
  guarded.schemaEnv = validate.schemaEnv;
  return guarded;
}

/**
 * The ajv instances, shared by every server this process builds: ajv keeps
 * what it compiled, so a second server (tests build hundreds) reuses the
 * validators instead of compiling every route's schemas again (~1 s).
 */
const pool = AjvCompiler();

/** Fastify's `schemaController.compilersFactory.buildValidator`. */
export function buildValidatorFactory(): NonNullable<ValidatorFactory> {
  const factory = (externalSchemas: Parameters<typeof pool>[0]) => {
    const body = pool(externalSchemas, BODY_OPTIONS);
    const text = pool(externalSchemas, TEXT_OPTIONS);
    return (route: RouteDefinition) => guardValues((route.httpPart === 'body' ? body : text)(route) as Validate);
  };
  // Fastify's type names ajv's function; at run time it takes any function with `errors` (as setValidatorCompiler's do).
  return factory as unknown as NonNullable<ValidatorFactory>;
}
