/**
 * Checks submitted job params against their type's schema, compiled once,
 * and words the first problem the way a caller can act on: the exact field
 * (`params.paths[2]`) and what it must be. A selection union (`paths` or
 * `itemIds`) is settled by which key is present, then that branch alone is
 * checked, so an error never lists every branch the way raw `anyOf` errors do.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { InvalidArgumentError } from '../domain/errors.js';
import { branchesOf } from '../domain/job-params/index.js';

/** Reads raw params as the schema's type, or throws a 400 naming the field. */
export type ParamsCheck<S extends TSchema> = (raw: unknown) => Static<S>;

interface Branch {
  check: TypeCheck<TSchema>;
  /** The required keys that tell this branch from the others (`paths` or `itemIds`). */
  keys: string[];
  known: string[];
}

const MAX_KEY = 64;

/** `/paths/2` → `params.paths[2]` (JSON pointer escapes undone). */
export function fieldOf(pointer: string, root = 'params'): string {
  let field = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    field += /^\d+$/.test(key) ? `[${key}]` : `.${key.length > MAX_KEY ? `${key.slice(0, MAX_KEY)}…` : key}`;
  }
  return field;
}

function range(schema: Record<string, unknown>, min: string, max: string): string {
  const lo = schema[min] as number | undefined;
  const hi = schema[max] as number | undefined;
  if (lo !== undefined && hi !== undefined) return `from ${lo} to ${hi}`;
  if (lo !== undefined) return `of at least ${lo}`;
  return hi !== undefined ? `of at most ${hi}` : '';
}

function literals(schema: Record<string, unknown>): unknown[] | undefined {
  const variants = schema.anyOf as Array<Record<string, unknown>> | undefined;
  return variants?.every((v) => 'const' in v) ? variants.map((v) => v.const) : undefined;
}

/** What is wrong, in words (the field is said before it). */
function describe(error: ValueError, known: string[]): string {
  const schema = error.schema as Record<string, unknown>;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'required';
    case ValueErrorType.ObjectAdditionalProperties:
      return `unknown parameter (known: ${known.join(', ') || 'none'})`;
    case ValueErrorType.Object:
      return 'must be an object';
    case ValueErrorType.Array:
      return 'must be an array';
    case ValueErrorType.ArrayMinItems:
    case ValueErrorType.ArrayMaxItems:
      return `must have ${range(schema, 'minItems', 'maxItems')} items`;
    case ValueErrorType.String:
      return 'must be a string';
    case ValueErrorType.StringMinLength:
    case ValueErrorType.StringMaxLength:
      return `must be ${range(schema, 'minLength', 'maxLength')} characters long`;
    case ValueErrorType.StringPattern:
      return `must match ${String(schema.pattern)}`;
    case ValueErrorType.Integer:
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
      return `must be an integer ${range(schema, 'minimum', 'maximum')}`.trimEnd();
    case ValueErrorType.Boolean:
      return 'must be true or false';
    case ValueErrorType.Union: {
      const values = literals(schema);
      if (values) return `must be one of ${values.join(', ')}`;
      return 'is not any of the accepted forms';
    }
    default:
      return error.message.charAt(0).toLowerCase() + error.message.slice(1);
  }
}

function fail(error: ValueError, known: string[]): never {
  const field = fieldOf(error.path);
  throw new InvalidArgumentError(`${field}: ${describe(error, known)}`, { field });
}

function keysOf(schema: TSchema): string[] {
  return Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A checker for one job type's params schema (an object, or a union of objects told apart by a key). */
export function compileParamsCheck<S extends TSchema>(schema: S): ParamsCheck<S> {
  const variants = branchesOf(schema);
  const allRequired = variants.map((v) => new Set((v.required as string[] | undefined) ?? []));
  const known = [...new Set(variants.flatMap(keysOf))];
  const branches: Branch[] = variants.map((variant, i) => ({
    check: TypeCompiler.Compile(variant),
    keys: [...allRequired[i]!].filter((key) => allRequired.some((other, j) => j !== i && !other.has(key))),
    known,
  }));
  return (raw) => {
    if (!isPlainObject(raw)) throw new InvalidArgumentError('params: must be an object', { field: 'params' });
    let branch = branches[0]!;
    if (branches.length > 1) {
      const present = branches.filter((b) => b.keys.every((key) => raw[key] !== undefined));
      const first = branches[0]!.keys[0]!;
      const alternatives = branches.map((b) => b.keys.join(' and '));
      if (present.length === 0) {
        throw new InvalidArgumentError(`params.${first}: required (or ${alternatives.slice(1).join(' or ')} instead)`, { field: `params.${first}` });
      }
      if (present.length > 1) throw new InvalidArgumentError(`params: give either ${alternatives.join(' or ')}, not both`, { field: `params.${first}` });
      branch = present[0]!;
    }
    if (!branch.check.Check(raw)) fail(branch.check.Errors(raw).First()!, branch.known);
    return raw as Static<S>;
  };
}
