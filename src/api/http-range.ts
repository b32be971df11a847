/**
 * What a `Range` header asks of a file of `size` bytes (RFC 9110 §14), read
 * with `range-parser` (as `send` reads it):
 *
 * - one satisfiable byte range (overlapping or adjacent ones combined): that range (206);
 * - several disjoint ranges: undefined, the whole body (200) — RFC 9110 lets a
 *   server ignore Range, and no client of ours needs multipart/byteranges;
 * - another unit, a malformed header, or an empty file: undefined, the whole
 *   (empty) body — a suffix range on an empty file is satisfiable by RFC 9110's
 *   definition, yet no Content-Range can describe its zero bytes;
 * - nothing satisfiable (every first byte past the end, or `bytes=-0`):
 *   RangeNotSatisfiableError (a 416; send-file.ts adds the Content-Range giving the size).
 */
import rangeParser from 'range-parser';
import type { ByteRange } from '../blobs/blob-store.js';
import { RangeNotSatisfiableError } from '../domain/errors.js';

/**
 * A suffix longer than the file means the whole file (RFC 9110 §14.1.2), which
 * range-parser 1.x refuses as unsatisfiable (2.x clamps it, but needs Node 22):
 * each `-N` past the size is written as `-size` before parsing.
 */
function clampSuffixes(header: string, size: number): string {
  return header.replace(/([=,]\s*)-(\s*)(\d+)/g, (whole, before: string, space: string, length: string) =>
    Number(length) > size ? `${before}-${space}${size}` : whole,
  );
}

export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined || size === 0) return undefined;
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return undefined;
  const ranges = rangeParser(size, clampSuffixes(header, size), { combine: true });
  if (ranges === -2) return undefined;
  if (ranges === -1) throw new RangeNotSatisfiableError(`range '${header.slice(0, 100)}' is outside the ${size}-byte file`, { size });
  return ranges.length === 1 ? { start: ranges[0]!.start, end: ranges[0]!.end } : undefined;
}
