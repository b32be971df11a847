#!/usr/bin/env node
/**
 * Generates src/domain/library/aodocs-library-schema.json: AODocs' `ApiLibrary`
 * (from their published OpenAPI 3.0 document) as ONE self-contained JSON Schema
 * usable by ajv 8 / Fastify (draft-07 keywords that mean the same in 2020-12),
 * plus our own `appType` property.
 *
 *   node scripts/gen-aodocs-library-schema.mjs [openapi.json] [out.json]
 *
 * Conversion:
 * - every `$ref: '#/components/schemas/X'` reachable from ApiLibrary is inlined;
 *   schemas that take part in a reference cycle go to `$defs` instead and are
 *   referenced as `#/$defs/X` (a cycle through ApiLibrary itself becomes `#`);
 *   siblings of a `$ref` are ignored, as OpenAPI 3.0 says;
 * - `nullable: true` becomes a type array (or `anyOf` with `{type:'null'}` when
 *   the schema has no `type`), and `null` is added to an `enum`;
 * - boolean `exclusiveMinimum`/`exclusiveMaximum` become the numeric form;
 * - `format` is kept only when Fastify's ajv knows it (int32/int64/double/… are
 *   dropped: Fastify would reject them as unknown formats);
 * - OpenAPI-only keywords (`example`, `xml`, `discriminator`, `externalDocs`,
 *   `x-*`) are dropped. Anything else not in KEPT is dropped with a warning.
 * Output is deterministic: properties keep the document's order, `$defs` are sorted.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const INPUT = process.argv[2] ?? path.join(ROOT, 'seeds/openapi/aodocs-library.json');
const OUTPUT = process.argv[3] ?? path.join(ROOT, 'src/domain/library/aodocs-library-schema.json');
const ROOT_NAME = 'ApiLibrary';
const REF_PREFIX = '#/components/schemas/';

/** Formats ajv-formats registers that mean the same thing to every JSON Schema tool. */
const KNOWN_FORMATS = new Set([
  'date', 'time', 'date-time', 'duration', 'uri', 'uri-reference', 'uri-template', 'url',
  'email', 'hostname', 'ipv4', 'ipv6', 'regex', 'uuid', 'json-pointer', 'relative-json-pointer',
]);
/** Keywords copied as they are (their meaning is the same in OpenAPI 3.0 and JSON Schema). */
const KEPT = new Set([
  'title', 'description', 'default', 'enum', 'type', 'required', 'readOnly', 'writeOnly', 'deprecated',
  'minimum', 'maximum', 'multipleOf', 'minLength', 'maxLength', 'pattern',
  'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties',
]);
/** OpenAPI-only keywords dropped silently. */
const DROPPED = new Set(['example', 'xml', 'discriminator', 'externalDocs', 'nullable', 'exclusiveMinimum', 'exclusiveMaximum']);

const doc = JSON.parse(fs.readFileSync(INPUT, 'utf8'));
const schemas = doc.components?.schemas ?? {};
if (!schemas[ROOT_NAME]) throw new Error(`${INPUT}: no components.schemas.${ROOT_NAME}`);

function refName(ref) {
  if (typeof ref !== 'string' || !ref.startsWith(REF_PREFIX)) throw new Error(`unsupported $ref ${JSON.stringify(ref)}`);
  const name = ref.slice(REF_PREFIX.length);
  if (!schemas[name]) throw new Error(`dangling $ref ${ref}`);
  return name;
}

/** Names referenced directly by a schema (in document order). */
function directRefs(node, out = []) {
  if (Array.isArray(node)) for (const x of node) directRefs(x, out);
  else if (node && typeof node === 'object') {
    if ('$ref' in node) out.push(refName(node.$ref));
    else for (const [key, value] of Object.entries(node)) if (key !== 'example' && key !== 'enum') directRefs(value, out);
  }
  return out;
}

/** Every schema reachable from the root, and those on a reference cycle (DFS back edges). */
function analyse() {
  const reachable = new Set();
  const recursive = new Set();
  const onStack = [];
  const visit = (name) => {
    const at = onStack.indexOf(name);
    if (at >= 0) {
      for (const n of onStack.slice(at)) recursive.add(n);
      return;
    }
    if (reachable.has(name)) return;
    reachable.add(name);
    onStack.push(name);
    for (const next of directRefs(schemas[name])) visit(next);
    onStack.pop();
  };
  visit(ROOT_NAME);
  // Every cycle contains a DFS back edge, so every cycle has at least one member marked:
  // inlining everything unmarked therefore terminates.
  return { reachable, recursive };
}

const { reachable, recursive } = analyse();
const warnings = new Set();

function convert(node, where) {
  if (Array.isArray(node)) return node.map((x, i) => convert(x, `${where}[${i}]`));
  if (!node || typeof node !== 'object') return node;
  if ('$ref' in node) {
    const name = refName(node.$ref);
    if (recursive.has(name)) return { $ref: name === ROOT_NAME ? '#' : `#/$defs/${name}` };
    return convert(schemas[name], name);
  }
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties') {
      out.properties = {};
      for (const [prop, sub] of Object.entries(value)) out.properties[prop] = convert(sub, `${where}.${prop}`);
    } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
      out[key] = typeof value === 'boolean' ? value : convert(value, `${where}.${key}`);
    } else if (key === 'allOf' || key === 'oneOf' || key === 'anyOf') {
      out[key] = convert(value, `${where}.${key}`);
    } else if (key === 'format') {
      if (KNOWN_FORMATS.has(value)) out.format = value;
    } else if (KEPT.has(key)) {
      out[key] = JSON.parse(JSON.stringify(value));
    } else if (!DROPPED.has(key) && !key.startsWith('x-')) {
      warnings.add(`${where}: dropped unknown keyword '${key}'`);
    }
  }
  for (const bound of ['Minimum', 'Maximum']) {
    const flag = node[`exclusive${bound}`];
    const limit = node[bound.toLowerCase()];
    if (flag === true && typeof limit === 'number') {
      out[`exclusive${bound}`] = limit;
      delete out[bound.toLowerCase()];
    } else if (typeof flag === 'number') out[`exclusive${bound}`] = flag;
  }
  if (node.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type)) out.type = [...new Set([...out.type, 'null'])];
    else return { anyOf: [out, { type: 'null' }] };
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

const root = convert(schemas[ROOT_NAME], ROOT_NAME);
root.title = ROOT_NAME;
root.description =
  `AODocs ${ROOT_NAME} (generated from ${path.basename(INPUT)}, version ${doc.info?.version ?? '?'}, ` +
  'by scripts/gen-aodocs-library-schema.mjs; do not edit) plus batchyard\'s appType.';
root.properties.appType = {
  type: 'integer',
  description: "AvePoint's app type of the library (batchyard extension; defaults to 2)",
  default: 2,
};
if (recursive.size > 0) {
  root.$defs = {};
  // Converting the body (not a $ref to it) inlines its unmarked parts and refers to marked ones.
  for (const name of [...recursive].sort()) if (name !== ROOT_NAME) root.$defs[name] = convert(schemas[name], name);
}

const ordered = { title: root.title, description: root.description, ...root };
const text = `${JSON.stringify(ordered, null, 2)}\n`;
fs.mkdirSync(path.dirname(OUTPUT), { recursive: true });
fs.writeFileSync(OUTPUT, text);
for (const w of [...warnings].sort()) process.stderr.write(`warning: ${w}\n`);
process.stdout.write(
  `wrote ${path.relative(process.cwd(), OUTPUT)}: ${Object.keys(root.properties).length} properties, ` +
    `${reachable.size - 1} schemas reached from ${ROOT_NAME}, ${recursive.size} recursive\n`,
);
