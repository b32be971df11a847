/**
 * A file's media type: the one its upload declared, unless that says nothing
 * (absent, application/octet-stream, or the form type curl sends by
 * default), in which case it is guessed from the name's extension.
 */
import mime from 'mime-types';
import { InvalidArgumentError } from './errors.js';

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const UNINFORMATIVE = new Set(['application/octet-stream', 'application/x-www-form-urlencoded']);
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[^"\\\\\\r\\n]*"))*$`);

export function resolveContentType(declared: string | undefined, fileName: string): string {
  const header = declared?.trim();
  if (header !== undefined && header !== '') {
    if (header.length > 255 || !MEDIA_TYPE.test(header)) {
      throw new InvalidArgumentError(`Content-Type: '${header.slice(0, 80)}' is not a media type (type/subtype)`, { field: 'Content-Type' });
    }
    const essence = header.split(';')[0]!.trim().toLowerCase();
    if (!UNINFORMATIVE.has(essence)) return header;
  }
  return mime.contentType(fileName) || DEFAULT_CONTENT_TYPE;
}
