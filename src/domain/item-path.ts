/**
 * Item names and paths: validated and normalized (Unicode NFC) before they
 * reach the store. A path is `/` or `/seg/seg…`; no `.`/`..` segments, no
 * empty segments, no control characters, no `/` inside a name.
 */
import { InvalidArgumentError } from './errors.js';

export const MAX_NAME_BYTES = 255;
export const MAX_PATH_BYTES = 4096;
export const MAX_DEPTH = 64;

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Validates one name; returns it NFC-normalized. */
export function validateName(raw: string, field = 'name'): string {
  const name = raw.normalize('NFC');
  if (name.length === 0) throw new InvalidArgumentError(`${field}: a name cannot be empty`, { field });
  if (name === '.' || name === '..') {
    throw new InvalidArgumentError(`${field}: '${name}' is not allowed as a name`, { field });
  }
  if (name.includes('/')) throw new InvalidArgumentError(`${field}: a name cannot contain '/'`, { field });
  if (name.includes('\\')) throw new InvalidArgumentError(`${field}: a name cannot contain '\\'`, { field });
  if (FORBIDDEN_CHARS.test(name)) {
    throw new InvalidArgumentError(`${field}: a name cannot contain NUL or control characters`, { field });
  }
  if (name.trim() !== name) {
    throw new InvalidArgumentError(`${field}: a name cannot start or end with whitespace`, { field });
  }
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) {
    throw new InvalidArgumentError(`${field}: a name is at most ${MAX_NAME_BYTES} bytes in UTF-8`, { field });
  }
  return name;
}

/**
 * Parses a path (leading `/` optional) into its normalized segments. The root
 * is `[]`. A trailing slash is tolerated; empty inner segments are not.
 */
export function parsePath(raw: string, field = 'path'): string[] {
  if (typeof raw !== 'string') throw new InvalidArgumentError(`${field}: must be a string`, { field });
  if (Buffer.byteLength(raw, 'utf8') > MAX_PATH_BYTES) {
    throw new InvalidArgumentError(`${field}: a path is at most ${MAX_PATH_BYTES} bytes`, { field });
  }
  let body = raw.startsWith('/') ? raw.slice(1) : raw;
  if (body.endsWith('/')) body = body.slice(0, -1);
  if (body === '') return [];
  const segments = body.split('/');
  if (segments.length > MAX_DEPTH) {
    throw new InvalidArgumentError(`${field}: a path is at most ${MAX_DEPTH} levels deep`, { field });
  }
  return segments.map((segment) => {
    if (segment === '') throw new InvalidArgumentError(`${field}: '${raw}' has an empty segment`, { field });
    return validateName(segment, field);
  });
}

export function joinPath(segments: readonly string[]): string {
  return '/' + segments.join('/');
}

/** Normalizes a path to its canonical form (`/a/b`, root `/`). */
export function normalizePath(raw: string, field = 'path'): string {
  return joinPath(parsePath(raw, field));
}

export function parentPath(path: string): string {
  const index = path.lastIndexOf('/');
  return index <= 0 ? '/' : path.slice(0, index);
}

export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}
