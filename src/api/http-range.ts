/** Parses a single-range `Range: bytes=…` header (RFC 9110). Multi-range requests get the whole body. */
import type { ByteRange } from '../blobs/blob-store.js';
import { RangeNotSatisfiableError } from '../domain/errors.js';

export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined; // unknown unit or multi-range: ignore
  const [, first, last] = match;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) throw new RangeNotSatisfiableError(`range ${header} is empty`, { size });
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) throw new RangeNotSatisfiableError(`range ${header} is outside the ${size}-byte file`, { size });
  return { start, end };
}
