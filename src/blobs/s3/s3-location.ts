/**
 * An S3 storage location as the operator writes it in BATCHYARD_STORAGES:
 * `s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true&credentialsFile=…&profile=…`.
 * Parsed once at start; every mistake is an InvalidArgumentError naming the
 * location and what is wrong. Credentials never appear in the URL: they come
 * from the AWS SDK's usual sources (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,
 * AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE, an instance role…) or, with
 * `credentialsFile`, from that shared-credentials file alone.
 */
import path from 'node:path';
import { InvalidArgumentError } from '../../domain/errors.js';

export interface S3Location {
  kind: 's3';
  bucket: string;
  /** '' or a key prefix ending in '/' (every key of the location starts with it). */
  prefix: string;
  /** A non-AWS server (http://127.0.0.1:8380, https://minio.example); undefined: AWS's own endpoint for the region. */
  endpoint: string | undefined;
  region: string;
  /** Addresses the bucket in the path (http://host/bucket/key), as most non-AWS servers want. */
  forcePathStyle: boolean;
  /** A shared-credentials file (INI: aws_access_key_id, aws_secret_access_key) read instead of the SDK's usual sources. */
  credentialsFile: string | undefined;
  /** The profile to read from the credentials file (or the SDK's shared files); undefined: `default` / AWS_PROFILE. */
  profile: string | undefined;
  /** Where writes wait on local disk while they are hashed (`<spoolRoot>/<location>`: `<dataDir>/s3-spool/<location>`). */
  spoolDir: string;
  /** The location as written, without anything secret (for messages and `doctor`). */
  display: string;
}

const PARAMS = new Set(['endpoint', 'region', 'forcePathStyle', 'credentialsFile', 'profile']);
/** S3's bucket naming rules (lowercase letters, digits, dots and hyphens; 3-63; a letter or digit at each end). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9-]{1,64}$/;

export function isS3Url(where: string): boolean {
  return /^s3:\/\//i.test(where);
}

/**
 * Parses an `s3://…` location of BATCHYARD_STORAGES (`name` is the location's
 * name, for messages); its writes spool under `<spoolRoot>/<name>`.
 */
export function parseS3Location(name: string, where: string, spoolRoot: string): S3Location {
  const bad = (what: string) => new InvalidArgumentError(`BATCHYARD_STORAGES: location '${name}' (${redact(where)}): ${what}`);
  let url: URL;
  try {
    url = new URL(where);
  } catch {
    throw bad('not a URL (expected s3://bucket/prefix?endpoint=…&region=…)');
  }
  if (url.username !== '' || url.password !== '') throw bad('credentials do not belong in the URL: use AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or credentialsFile=');
  if (url.port !== '') throw bad('an s3:// URL names a bucket, not a host and port: give the server as endpoint=');
  const bucket = decodeURIComponent(url.hostname);
  if (!BUCKET.test(bucket) || bucket.includes('..')) throw bad(`'${bucket}' is not a valid bucket name (3-63 lowercase letters, digits, dots and hyphens)`);
  // The path as written (URL would resolve '..' away), less its slashes at either end.
  const rawPath = where.replace(/^s3:\/\/[^/?#]*/i, '').split(/[?#]/)[0] ?? '';
  const prefix = decodeURIComponent(rawPath).replace(/^\/+/, '').replace(/\/+$/, '');
  if (prefix.split('/').some((segment) => segment === '.' || segment === '..') || prefix.includes('//')) throw bad(`the prefix '${prefix}' has an empty, '.' or '..' segment`);
  for (const key of url.searchParams.keys()) {
    if (!PARAMS.has(key)) throw bad(`unknown parameter '${key}' (known: ${[...PARAMS].join(', ')})`);
  }
  const param = (key: string) => {
    const values = url.searchParams.getAll(key);
    if (values.length > 1) throw bad(`parameter '${key}' is given twice`);
    const value = values[0]?.trim();
    if (value === '') throw bad(`parameter '${key}' is empty`);
    return value;
  };
  const endpoint = param('endpoint');
  if (endpoint !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(endpoint);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) throw bad(`endpoint '${endpoint}' is not an http:// or https:// URL`);
    if (parsed.username !== '' || parsed.password !== '') throw bad('credentials do not belong in the endpoint URL');
  }
  const region = param('region') ?? 'us-east-1';
  if (!REGION.test(region)) throw bad(`region '${region}' is not a region name (lowercase letters, digits and hyphens)`);
  const style = param('forcePathStyle');
  if (style !== undefined && style !== 'true' && style !== 'false') throw bad(`forcePathStyle must be true or false, not '${style}'`);
  const credentialsFile = param('credentialsFile');
  if (credentialsFile !== undefined && !path.isAbsolute(credentialsFile)) throw bad(`credentialsFile must be an absolute path, not '${credentialsFile}'`);
  return {
    kind: 's3',
    bucket,
    prefix: prefix === '' ? '' : `${prefix}/`,
    endpoint,
    region,
    forcePathStyle: style === 'true',
    credentialsFile,
    profile: param('profile'),
    spoolDir: path.resolve(spoolRoot, name),
    display: redact(where),
  };
}

/** The URL without a user or password, should one have been written into it. */
function redact(where: string): string {
  return where.replace(/^(s3:\/\/)[^/@]*@/i, '$1');
}
