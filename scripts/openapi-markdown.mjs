/**
 * Renders an OpenAPI 3.1 document (the one batchyard serves at
 * /api/v1/openapi.json) as a Markdown reference: one section per path and
 * method, its parameters as a table, and request and response bodies as
 * nested field lists. Pure: the same document always gives the same text.
 */

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

/** `#/components/schemas/X` or a bare `$id`: the referenced schema, or undefined. */
function resolve(doc, ref) {
  const name = ref.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : ref;
  return doc.components?.schemas?.[name];
}

function refName(ref) {
  return ref.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : ref;
}

/** A one-line type: `string`, `integer (1–1000)`, `"a" | "b"`, `array of string`, `Job`. */
export function typeOf(schema, doc) {
  if (!schema || typeof schema !== 'object') return 'any';
  if (schema.$ref) return `\`${refName(schema.$ref)}\``;
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants)) return variants.map((v) => typeOf(v, doc)).join(' \\| ');
  const type = Array.isArray(schema.type) ? schema.type.join(' \\| ') : schema.type;
  if (type === 'array') return `array of ${typeOf(schema.items, doc)}`;
  const bounds = [];
  if (schema.minimum !== undefined || schema.maximum !== undefined) bounds.push(`${schema.minimum ?? '…'}–${schema.maximum ?? '…'}`);
  if (schema.minLength !== undefined || schema.maxLength !== undefined) bounds.push(`length ${schema.minLength ?? 0}–${schema.maxLength ?? '…'}`);
  if (schema.format) bounds.push(schema.format);
  if (schema.pattern) bounds.push(`pattern \`${schema.pattern}\``);
  return `${type ?? (schema.properties ? 'object' : 'any')}${bounds.length ? ` (${bounds.join(', ')})` : ''}`;
}

function oneLine(text) {
  return String(text ?? '').replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
}

/** An object's fields as a nested list, `depth` levels deep at most (refs are named, not expanded). */
export function fieldList(schema, doc, indent = '', depth = 0) {
  if (!schema || typeof schema !== 'object') return [];
  if (schema.$ref) {
    const target = resolve(doc, schema.$ref);
    return target && depth === 0 ? fieldList(target, doc, indent, depth) : [];
  }
  const variants = schema.oneOf ?? schema.anyOf;
  if (Array.isArray(variants) && !schema.properties) {
    const lines = [];
    variants.forEach((variant, i) => {
      const label = discriminatorLabel(variant, doc) ?? `variant ${i + 1}`;
      lines.push(`${indent}- one of: ${label}`);
      lines.push(...fieldList(variant, doc, `${indent}  `, depth + 1));
    });
    return lines;
  }
  const object = schema.type === 'array' ? schema.items : schema;
  if (!object?.properties || depth > 4) return [];
  const required = new Set(object.required ?? []);
  const lines = [];
  for (const [name, property] of Object.entries(object.properties)) {
    const description = property.description ? ` — ${oneLine(property.description)}` : '';
    lines.push(`${indent}- \`${name}\`${required.has(name) ? '' : '?'}: ${typeOf(property, doc)}${description}`);
    const inner = property.type === 'array' ? property.items : property;
    if (inner && !inner.$ref && (inner.properties || inner.oneOf || inner.anyOf?.some((v) => v.properties))) {
      lines.push(...fieldList(inner, doc, `${indent}  `, depth + 1));
    }
  }
  return lines;
}

function discriminatorLabel(variant, doc) {
  const target = variant.$ref ? resolve(doc, variant.$ref) : variant;
  const type = target?.properties?.type;
  // A constant \`type\` (the document may write \`const\` as a one-value \`enum\`), else the variant's title.
  const tag = type?.const ?? (Array.isArray(type?.enum) && type.enum.length === 1 ? type.enum[0] : undefined);
  if (tag !== undefined) return `\`type: ${JSON.stringify(tag)}\``;
  if (target?.title) return target.title;
  return variant.$ref ? `\`${refName(variant.$ref)}\`` : undefined;
}

function bodySchema(content) {
  if (!content) return undefined;
  const [mediaType, media] = Object.entries(content)[0] ?? [];
  return mediaType ? { mediaType, schema: media.schema } : undefined;
}

function renderOperation(doc, path, method, op) {
  const out = [`### ${method.toUpperCase()} \`${path}\``, ''];
  if (op.summary) out.push(oneLine(op.summary), '');
  if (op.description) out.push(op.description.trim(), '');
  const security = op.security ?? doc.security;
  out.push(security && security.length > 0 && Object.keys(security[0]).length > 0 ? 'Auth: bearer token.' : 'Auth: none.', '');
  const params = op.parameters ?? [];
  if (params.length > 0) {
    out.push('| parameter | in | type | required | description |', '|---|---|---|---|---|');
    for (const p of params) {
      out.push(`| \`${p.name}\` | ${p.in} | ${typeOf(p.schema, doc)} | ${p.required ? 'yes' : 'no'} | ${oneLine(p.description ?? p.schema?.description)} |`);
    }
    out.push('');
  }
  const request = bodySchema(op.requestBody?.content);
  if (request) {
    out.push(`Request body (\`${request.mediaType}\`)${op.requestBody.required ? '' : ', optional'}: ${typeOf(request.schema, doc)}`, '');
    const fields = fieldList(request.schema, doc);
    if (fields.length > 0) out.push(...fields, '');
  }
  const responses = Object.entries(op.responses ?? {});
  const errors = [];
  const others = [];
  for (const [status, response] of responses) {
    const body = bodySchema(response.content);
    if (Number(status) >= 400 && body?.schema?.$ref && refName(body.schema.$ref) === 'ErrorBody') errors.push(status);
    else others.push([status, response, body]);
  }
  if (others.length > 0) {
    out.push('Responses:', '');
    for (const [status, response, body] of others) {
      const description = oneLine(response.description) === 'Default Response' ? '' : ` ${oneLine(response.description)}`;
      out.push(`- **${status}**${description}${body ? `: ${typeOf(body.schema, doc)}` : ''}`);
      if (body && !body.schema?.$ref) out.push(...fieldList(body.schema, doc, '  '));
    }
    out.push('');
  }
  if (errors.length > 0) out.push(`Errors: ${errors.join(', ')} (\`ErrorBody\`).`, '');
  return out;
}

/** The whole reference; `title` heads the page. */
export function renderOpenApiMarkdown(doc, title = 'API reference') {
  const out = [`# ${title}`, ''];
  out.push(
    `Generated from the OpenAPI ${doc.openapi} document the server serves at \`/api/v1/openapi.json\` ` +
      `(browsable at \`/api/v1/docs\`) by \`npm run docs\`; do not edit by hand.`,
    '',
  );
  if (doc.info?.description) out.push(doc.info.description.trim(), '');
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? path.split('/').filter(Boolean).slice(2, 3)[0] ?? 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, op });
    }
  }
  const tags = [...byTag.keys()].sort();
  out.push('## Contents', '');
  for (const tag of tags) {
    out.push(`- **${tag}**: ${byTag.get(tag).map(({ path, method }) => `\`${method.toUpperCase()} ${path}\``).join(', ')}`);
  }
  out.push('');
  for (const tag of tags) {
    out.push(`## ${tag}`, '');
    for (const { path, method, op } of byTag.get(tag)) out.push(...renderOperation(doc, path, method, op));
  }
  const schemas = Object.entries(doc.components?.schemas ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (schemas.length > 0) {
    out.push('## Schemas', '');
    for (const [name, schema] of schemas) {
      out.push(`### \`${name}\``, '');
      if (schema.description) out.push(oneLine(schema.description), '');
      const fields = fieldList(schema, doc);
      out.push(...(fields.length > 0 ? fields : [`${typeOf(schema, doc)}`]), '');
    }
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
