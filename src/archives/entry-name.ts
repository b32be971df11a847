/**
 * An entry's name in an archive, judged before anything is written: the
 * segments it unpacks to under the destination, or why it is refused.
 *
 * Refused as UNSAFE_PATH (could escape the destination, on any platform):
 * an absolute name (`/x`, `//host/x`), a drive letter (`C:x`), a backslash
 * anywhere (`..\x` is a traversal on Windows; no library name holds one), a
 * `..` segment. `.` and empty segments are dropped (`./a//b` is `a/b`, as
 * `tar -C dir .` writes); a name that is only those (`./`) is the
 * destination itself and yields no item. Each remaining segment must be a
 * valid library name (domain/item-path.ts: no control characters, no
 * leading/trailing spaces, ≤ 255 bytes), else INVALID_NAME.
 */
import { validateName } from '../domain/item-path.js';
import { BatchyardError } from '../domain/errors.js';
import { ArchiveError } from './archive-error.js';

/** The entry's path inside the archive, normalized: segments joined by '/', no leading or trailing slash ('' for the root). */
export function entryKey(segments: readonly string[]): string {
  return segments.join('/');
}

/** Segments of a raw entry name; throws an entry-scoped ArchiveError when it cannot be unpacked safely. */
export function entrySegments(raw: string): string[] {
  const shown = JSON.stringify(raw.length > 200 ? `${raw.slice(0, 200)}…` : raw);
  if (raw.includes('\u0000')) throw new ArchiveError('INVALID_NAME', `entry ${shown}: a name cannot contain NUL`, 'entry');
  if (raw.includes('\\')) throw new ArchiveError('UNSAFE_PATH', `entry ${shown}: a backslash in an entry name (a path separator on Windows) is refused`, 'entry');
  if (raw.startsWith('/')) throw new ArchiveError('UNSAFE_PATH', `entry ${shown}: an absolute path is refused`, 'entry');
  if (/^[A-Za-z]:/.test(raw)) throw new ArchiveError('UNSAFE_PATH', `entry ${shown}: a drive letter is refused`, 'entry');
  const segments: string[] = [];
  for (const segment of raw.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') throw new ArchiveError('UNSAFE_PATH', `entry ${shown}: a '..' segment would leave the destination`, 'entry');
    try {
      segments.push(validateName(segment, 'name'));
    } catch (error) {
      if (!(error instanceof BatchyardError)) throw error;
      throw new ArchiveError('INVALID_NAME', `entry ${shown}: ${error.message.replace(/^name: /, '')}`, 'entry');
    }
  }
  return segments;
}

/**
 * A name a caller lists (ExtractParams.entries) in the same normalized form
 * as entryKey, so `./docs/`, `docs/` and `docs` all name the entry `docs`.
 * Throws an entry-scoped ArchiveError for a name no entry could have.
 */
export function normalizeEntryName(raw: string): string {
  return entryKey(entrySegments(raw));
}
