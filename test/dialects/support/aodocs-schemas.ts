/**
 * AODocs' own OpenAPI 3.0 documents (seeds/openapi) as ajv validators, their
 * `#/components/schemas/…` references resolved, and the sample requests and
 * responses of the seed pages (seeds/000_…, 001_…) read from their text.
 * `strict` validators also refuse any property a schema does not declare, so
 * a response carries exactly AODocs' fields.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, unknown>;

type Json = unknown;

/** `#/components/schemas/X` → `#/definitions/X`; with `strict`, objects with properties get additionalProperties: false. */
function convert(node: Json, strict: boolean): Json {
  if (Array.isArray(node)) return node.map((x) => convert(x, strict));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') out[key] = value.replace('#/components/schemas/', '#/definitions/');
    else if (key === 'properties' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, convert(schema, strict)]));
    } else out[key] = convert(value, strict);
  }
  if (strict && out.properties !== undefined && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function makeAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  return ajv;
}

export interface AodocsValidators {
  ApiJob: ValidateFunction;
  ApiJobList: ValidateFunction;
  ApiJobEventList: ValidateFunction;
  ApiLibrary: ValidateFunction;
}

function validators(strict: boolean): AodocsValidators {
  const ajv = makeAjv();
  for (const [id, file] of [['aodocs-job', 'seeds/openapi/aodocs-job.json'], ['aodocs-library', 'seeds/openapi/aodocs-library.json']] as const) {
    const components = readJson(file).components as { schemas: Record<string, Json> };
    ajv.addSchema({ $id: id, definitions: convert(components.schemas, strict) as Record<string, Json> });
  }
  const get = (ref: string) => ajv.compile({ $ref: ref });
  return {
    ApiJob: get('aodocs-job#/definitions/ApiJob'),
    ApiJobList: get('aodocs-job#/definitions/ApiJobList'),
    ApiJobEventList: get('aodocs-job#/definitions/ApiJobEventList'),
    ApiLibrary: get('aodocs-library#/definitions/ApiLibrary'),
  };
}

/** As published (extra properties allowed, as OpenAPI 3.0 says). */
export const published = validators(false);
/** As published, and nothing beyond the declared properties. */
export const exact = validators(true);

/** The enum of a property of a schema of a document (e.g. ApiJob.status). */
export function schemaEnum(file: 'aodocs-job' | 'aodocs-library', schema: string, property: string): string[] {
  const doc = readJson(`seeds/openapi/${file}.json`) as { components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> } };
  return doc.components.schemas[schema]!.properties[property]!.enum ?? [];
}

/** A query parameter of an operation of a document (its schema). */
export function operationParameter(file: 'aodocs-job' | 'aodocs-library', path: string, method: string, name: string): { schema: Record<string, unknown> } | undefined {
  const doc = readJson(`seeds/openapi/${file}.json`) as { paths: Record<string, Record<string, { parameters: Array<{ name: string; schema: Record<string, unknown> }> }>> };
  return doc.paths[path]?.[method]?.parameters.find((p) => p.name === name);
}

export interface SamplePage {
  /** The sample request's method and path template under our server (e.g. `GET /api/job/v1/libraries/{libraryId}`). */
  method: string;
  path: string;
  /** The sample response body. */
  response: Record<string, unknown>;
}

/** The cURL sample and the sample response of a seed page. */
export function samplePage(file: string): SamplePage {
  const text = fs.readFileSync(path.join(ROOT, 'seeds', file), 'utf8');
  const request = /curl --request (\w+) \\\s*--url https:\/\/aodocs\.altirnao\.com(\/\S+) \\/.exec(text);
  if (!request) throw new Error(`${file}: no cURL sample`);
  const start = text.indexOf('\n{', request.index);
  const end = text.indexOf('\n}\n', start);
  return { method: request[1]!, path: request[2]!, response: JSON.parse(text.slice(start + 1, end + 2)) as Record<string, unknown> };
}

/** The kind of a sample value: '<string>' is a string, 123 an integer, true a boolean; enums are strings. */
export function sampleKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}
