/**
 * Safe streaming archive reading for every job that unpacks an archive
 * (extract: an archive in a library; import: an uploaded archive on disk).
 *
 * Usage:
 *
 *     const source = await fileSource('/var/lib/uploads/abc');          // or blobSource(blobStore, sha256, size, '/a.zip')
 *     const archive = await openArchive(source, config.archiveLimits);  // format told by content; ArchiveError if none
 *     try {
 *       for await (const entry of archive.entries({ signal })) {
 *         let segments: string[];
 *         try { segments = entrySegments(entry.name); }             // UNSAFE_PATH / INVALID_NAME (entry scope)
 *         catch (e) { if (isArchiveError(e)) { recordFailure(entry, e); continue; } throw e; }
 *         if (segments.length === 0) continue;                      // `./`: the destination itself
 *         if (entry.kind === 'link') …LINK_ENTRY; if (entry.kind === 'special') …SPECIAL_FILE
 *         if (entry.problem) …entry.problem.reason (encrypted, unsupported, declared ratio)
 *         if (entry.kind === 'file') await blobs.write(await entry.open(), { maxBytes: entry.size });
 *       }
 *     } finally { await archive.close(); }
 *
 * Guarantees:
 * - Nothing here writes anywhere: callers place entries by the segments
 *   entrySegments returns, which never hold `..`, an absolute path, a drive
 *   letter or a backslash, and are each a valid library name.
 * - Limits (ArchiveLimits) are enforced on the bytes actually produced:
 *   entry count and total bytes as entries are listed (archive scope: the
 *   iteration throws), compression ratio per zip entry (entry scope: that
 *   entry's stream errors) or over a whole gzip stream (archive scope); a zip
 *   entry yields exactly its header's size and CRC-32 or errors.
 * - Every failure is an ArchiveError (`reason`: a stable failure code,
 *   `scope`: `entry` — that entry alone fails — or `archive` — stop) or an
 *   I/O error of the source (e.g. ENOENT, a TransientError: worth a retry).
 *   Truncated or corrupt input always ends in an error, never a hang; every
 *   stream is destroyed on error, on `close()` and when the iteration stops.
 * - Duplicate names are not judged here (the caller knows its destination):
 *   compare `entryKey(segments)` across entries.
 *
 * tar and tar.gz entries can only be read during the one pass (`open()`
 * before asking for the next entry). zip and plain tar entries carry a
 * `locator` (JSON-safe) to reopen them later with `openAt`, e.g. in another
 * task, without listing the archive again.
 */
import type { Readable } from 'node:stream';
import type { ArchiveLimits } from '../domain/archive-limits.js';
import type yauzl from 'yauzl';
import type { ByteSource } from './byte-source.js';
import { detectFormat } from './detect-format.js';
import { listZip, openZip, openZipEntry } from './zip-reader.js';
import { listTar, openTarEntry } from './tar-reader.js';
import type { ArchiveEntry, ArchiveFormat, EntryLocator } from './types.js';

export type { ArchiveEntry, ArchiveFormat, EntryKind, EntryLocator } from './types.js';
export type { ByteSource } from './byte-source.js';
export { fileSource, blobSource } from './byte-source.js';
export { ArchiveError, isArchiveError, type ArchiveFailureCode } from './archive-error.js';
export { entrySegments, entryKey, normalizeEntryName } from './entry-name.js';
export { detectFormat } from './detect-format.js';

export interface ArchiveReader {
  readonly format: ArchiveFormat;
  readonly source: ByteSource;
  /** The entries, in archive order, in one pass (call once). Stops with `signal`'s reason when aborted. */
  entries(options?: { signal?: AbortSignal }): AsyncGenerator<ArchiveEntry>;
  /** Reopens an entry from its locator (zip, plain tar), limits enforced as in `open()`. `name` is for messages. */
  openAt(locator: EntryLocator, name: string): Promise<Readable>;
  /** Releases the archive (safe to call twice). */
  close(): Promise<void>;
}

/**
 * Opens an archive (zip, tar, tar.gz) told by its content. Throws an
 * ArchiveError (scope `archive`): NOT_AN_ARCHIVE, CORRUPT_ARCHIVE (a zip
 * whose directory cannot be found), LIMIT_EXCEEDED (a zip declaring too many entries).
 */
export async function openArchive(source: ByteSource, limits: ArchiveLimits): Promise<ArchiveReader> {
  const format = await detectFormat(source);
  let zip: yauzl.ZipFile | undefined = format === 'zip' ? await openZip(source) : undefined;
  return {
    format,
    source,
    entries(options = {}) {
      if (zip) return listZip(zip, source, limits, options.signal);
      return listTar(source, format === 'tar.gz', limits, options.signal);
    },
    async openAt(locator, name) {
      if (locator.format === 'zip') {
        if (!zip) throw new Error(`a zip locator given to a ${format} archive`);
        return openZipEntry(zip, locator, name, limits);
      }
      if (format !== 'tar') throw new Error(`a tar locator given to a ${format} archive`);
      return openTarEntry(source, locator, name);
    },
    async close() {
      zip?.close();
      zip = undefined;
    },
  };
}
