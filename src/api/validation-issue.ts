/**
 * Which field a Fastify (ajv) validation issue is about, for every error
 * handler that names it: the native one and each dialect's, which word their
 * messages their vendor's way around the same field.
 */
export interface ValidationIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

export interface IssueField {
  /** `required`: a field is missing; `unknown`: a field is not allowed; `invalid`: a value is wrong. */
  kind: 'required' | 'unknown' | 'invalid';
  /** The dotted path of the field (`taskInfo.fileInfo.0.fileId`, or `[0]` with `arrayIndex: 'bracket'`); '' for the whole document. */
  field: string;
}

export function issueField(issue: ValidationIssue, options: { arrayIndex?: 'dot' | 'bracket' } = {}): IssueField {
  let path = (issue.instancePath ?? '').replace(/^\//, '');
  if (options.arrayIndex === 'bracket') path = path.replace(/\/(\d+)(?=\/|$)/g, '[$1]');
  path = path.replaceAll('/', '.');
  const join = (leaf: string) => (path ? `${path}.${leaf}` : leaf);
  if (issue.keyword === 'required') return { kind: 'required', field: join(String(issue.params?.missingProperty ?? '')) };
  if (issue.keyword === 'additionalProperties') return { kind: 'unknown', field: join(String(issue.params?.additionalProperty ?? '')) };
  return { kind: 'invalid', field: path };
}
