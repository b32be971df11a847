/**
 * `job submit`'s flags, read from the job types' params schemas
 * (domain/job-params) instead of a table of their own: each property is a
 * flag in kebab-case; an array is a repeatable flag named for one element
 * (paths → --path, itemIds → --item-id); a library reference drops its `Id`
 * and takes a name or an id (targetLibraryId → --target-library); a boolean
 * is a switch (dryRun → --dry-run); choices, integer bounds and descriptions
 * come from the schema. Two params that make the same flag in different
 * types are one flag (copy's `paths` and extract's `path` are both --path,
 * repeatable only where the param is an array). An object param (import's
 * `source`) has no flag: it is given in --params JSON. Loaded only when
 * `job submit` runs: TypeBox is a large part of the CLI's start-up.
 */
import { Option, type Command } from 'commander';
import type { TSchema } from '@sinclair/typebox';
import { HIDDEN_JOB_TYPES, JOB_PARAMS, REFERS_TO, branchesOf, type RefersTo } from '../../domain/job-params/index.js';
import { usageError } from '../errors.js';
import { parseIntegerFlag } from './context.js';
import { joinRemote } from './upload.js';

export interface ParamFlag {
  /** The param it sets (`paths`) in the first type that takes it. */
  param: string;
  /** The param it sets in each type that takes it (`paths` for copy, `path` for extract). */
  paramOf: Record<string, string>;
  /** The types where it is repeatable (its param is an array). */
  repeatableIn: string[];
  /** `--path` */
  flag: string;
  /** Commander's key for its value (`path`). */
  key: string;
  placeholder: string;
  repeatable: boolean;
  integer: boolean;
  /** A switch: no value, sets `true`. */
  boolean: boolean;
  refersTo?: RefersTo;
  choices?: string[];
  min?: number;
  max?: number;
  description: string;
  /** The description names the types (they say it differently), so the help does not list them again. */
  describedPerType?: boolean;
  /** The job types that take it. */
  types: string[];
}

/** What one type takes: every flag, the ones it cannot do without, and its selection (exactly one of these). */
export interface TypeFlags {
  flags: ParamFlag[];
  required: ParamFlag[];
  oneOf: ParamFlag[];
  /** Required params that have no flag (objects): only --params JSON gives them. */
  requiredJson: string[];
}

const hidden = (type: string) => (HIDDEN_JOB_TYPES as readonly string[]).includes(type);
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function choicesOf(schema: TSchema): string[] | undefined {
  if (typeof schema.const === 'string') return [schema.const];
  const variants = schema.anyOf as TSchema[] | undefined;
  return variants?.every((v) => typeof v.const === 'string') ? variants.map((v) => v.const as string) : undefined;
}

/** A param with no flag: an object, or a choice of objects. */
function jsonOnly(schema: TSchema): boolean {
  const variants = schema.anyOf as TSchema[] | undefined;
  return schema.type === 'object' || (variants?.some((v) => v.type === 'object') ?? false);
}

function flagFor(param: string, schema: TSchema, type: string): ParamFlag {
  const repeatable = schema.type === 'array';
  const value = (repeatable ? schema.items : schema) as TSchema;
  const refersTo = value[REFERS_TO] as RefersTo | undefined;
  let name = repeatable ? param.replace(/ies$/, 'y').replace(/s$/, '') : param;
  if (refersTo === 'library') name = name.replace(/Id$/, '');
  const flag = `--${kebab(name)}`;
  const choices = choicesOf(value);
  const integer = value.type === 'integer';
  const boolean = value.type === 'boolean';
  const placeholder =
    refersTo === 'item-path' ? 'path' : refersTo === 'library' ? 'library' : refersTo === 'item-id' ? 'id' : integer ? 'n' : (flag.split('-').at(-1) ?? 'value');
  const said = String(value.description ?? schema.description ?? param);
  return {
    param,
    paramOf: { [type]: param },
    repeatableIn: repeatable ? [type] : [],
    flag,
    key: name,
    placeholder,
    repeatable,
    integer,
    boolean,
    refersTo,
    choices,
    min: value.minimum as number | undefined,
    max: value.maximum as number | undefined,
    description: `${said}${refersTo === 'library' ? ' (a name or an id)' : ''}${repeatable ? ' (repeatable)' : ''}`,
    types: [type],
  };
}

/** Every param flag of the given schemas, and what each type takes. */
export function paramFlagsOf(schemas: Readonly<Record<string, TSchema>>): { all: ParamFlag[]; byType: Map<string, TypeFlags> } {
  const all = new Map<string, ParamFlag>();
  const byType = new Map<string, TypeFlags>();
  /** What a flag means in each type, when types say it differently. */
  const saidBy = new Map<ParamFlag, Array<{ types: string[]; text: string }>>();
  for (const [type, schema] of Object.entries(schemas)) {
    const branches = branchesOf(schema);
    const properties = new Map<string, TSchema>();
    for (const branch of branches) {
      for (const [param, property] of Object.entries((branch.properties ?? {}) as Record<string, TSchema>)) if (!properties.has(param)) properties.set(param, property);
    }
    const requiredIn = (param: string) => branches.filter((b) => ((b.required ?? []) as string[]).includes(param)).length;
    const alternative = (param: string) => branches.length > 1 && requiredIn(param) > 0 && requiredIn(param) < branches.length;
    // The selection (paths or itemIds) first, then the rest in the schema's order.
    const params = [...properties.keys()].sort((a, b) => Number(alternative(b)) - Number(alternative(a)));
    const flagged = params.filter((param) => !jsonOnly(properties.get(param)!));
    const flags = flagged.map((param) => {
      const made = flagFor(param, properties.get(param)!, type);
      const known = all.get(made.flag);
      if (!known) {
        all.set(made.flag, made);
        saidBy.set(made, [{ types: [type], text: made.description }]);
        return made;
      }
      if (known.integer !== made.integer || known.boolean !== made.boolean || known.refersTo !== made.refersTo) {
        throw new Error(`${made.flag}: ${type}.${param} and ${known.types[0]}.${known.param} make the same flag with different values`);
      }
      const said = saidBy.get(known)!;
      const same = said.find((d) => d.text === made.description);
      if (same) same.types.push(type);
      else said.push({ types: [type], text: made.description });
      if (known.choices && made.choices) known.choices = [...new Set([...known.choices, ...made.choices])];
      known.types.push(type);
      known.paramOf[type] = param;
      if (made.repeatable) {
        known.repeatableIn.push(type);
        known.repeatable = true;
      }
      return known;
    });
    const paramOf = (f: ParamFlag) => f.paramOf[type]!;
    byType.set(type, {
      flags,
      required: flags.filter((f) => requiredIn(paramOf(f)) === branches.length),
      oneOf: flags.filter((f) => alternative(paramOf(f))),
      requiredJson: params.filter((p) => !flagged.includes(p) && requiredIn(p) === branches.length),
    });
  }
  for (const [flag, said] of saidBy) {
    if (said.length < 2) continue;
    flag.description = said.map((d) => `${d.types.filter((t) => !hidden(t)).join(', ')}: ${d.text}`).join('; ');
    flag.describedPerType = true;
  }
  return { all: [...all.values()], byType };
}

const FLAGS = paramFlagsOf(JOB_PARAMS);

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Adds the param flags to `job submit`; a flag only hidden job types take is left out of the help. */
export function addParamOptions(command: Command): void {
  for (const f of FLAGS.all) {
    const shown = f.types.filter((t) => !hidden(t));
    const option = new Option(f.boolean ? f.flag : `${f.flag} <${f.placeholder}>`, f.describedPerType ? f.description : `${f.description}: ${shown.join(', ')}`);
    if (f.choices) option.choices(f.choices);
    if (f.repeatable) option.argParser(collect);
    if (shown.length === 0) option.hideHelp();
    command.addOption(option);
  }
}

function valueOf(f: ParamFlag, raw: string, targetLibraryId: string | undefined): unknown {
  if (f.boolean) return true;
  if (f.integer) return parseIntegerFlag(raw, f.flag, f.min, f.max);
  if (f.refersTo === 'item-path') return joinRemote(raw);
  if (f.refersTo === 'library') return targetLibraryId ?? raw;
  return raw;
}

function parseParamsJson(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw usageError(`--params: not JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw usageError('--params: expected a JSON object, e.g. \'{"paths":["/a"]}\'');
  return parsed as Record<string, unknown>;
}

/** The submit flags commander parsed (param flags by their keys, plus --params). */
export type SubmitFlags = Record<string, unknown> & { params?: string };

/**
 * The `params` of a job from the submit flags: each flag the type takes
 * becomes its param; a flag it does not take is a usage error; `--params`
 * JSON is merged last, then what the type cannot do without is checked (the
 * server checks the rest). `targetLibraryId` is `--target-library` resolved to an id.
 */
export function buildJobParams(type: string, flags: SubmitFlags, targetLibraryId?: string): Record<string, unknown> {
  const taken = FLAGS.byType.get(type);
  if (!taken) throw usageError(`unknown job type '${type}' (${Object.keys(JOB_PARAMS).filter((t) => !hidden(t)).join(', ')})`);
  const params: Record<string, unknown> = {};
  for (const f of FLAGS.all) {
    const raw = flags[f.key];
    if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) continue;
    if (!taken.flags.includes(f)) {
      throw usageError(`${f.flag} does not apply to ${type} jobs (${type} takes ${taken.flags.map((t) => t.flag).join(', ') || 'no flags (use --params)'})`);
    }
    const param = f.paramOf[type]!;
    const values = (Array.isArray(raw) ? raw : [raw]).map((v) => valueOf(f, String(v), targetLibraryId));
    if (f.repeatableIn.includes(type)) params[param] = values;
    else if (values.length > 1) throw usageError(`${f.flag}: ${type} takes one, got ${values.length}`);
    else params[param] = values[0];
  }
  const merged = flags.params === undefined ? params : { ...params, ...parseParamsJson(flags.params) };
  for (const f of taken.required) if (merged[f.paramOf[type]!] === undefined) throw usageError(`${type} needs ${f.flag}`);
  for (const param of taken.requiredJson) {
    if (merged[param] === undefined) throw usageError(`${type} needs ${param}, given in --params (e.g. --params '{"${param}": {…}}')`);
  }
  const given = taken.oneOf.filter((f) => merged[f.paramOf[type]!] !== undefined);
  const alternatives = taken.oneOf.map((f) => f.flag).join(' or ');
  if (taken.oneOf.length > 0 && given.length === 0) throw usageError(`${type} needs ${alternatives}${taken.oneOf.every((f) => f.repeatable) ? ' (one or more)' : ''}`);
  if (given.length > 1) throw usageError(`${type} takes ${alternatives}, not both`);
  return merged;
}
