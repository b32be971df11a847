/** What the archive readers hand out: formats, entries, and where an entry's bytes are. */
import type { Readable } from 'node:stream';
import type { ArchiveError } from './archive-error.js';

/** Told by content: zip (`PK\x03\x04`, or `PK\x05\x06` when empty), gzip (`1f 8b`) holding a tar, tar (`ustar` at offset 257). */
export type ArchiveFormat = 'zip' | 'tar' | 'tar.gz';

/** `link`: symbolic or hard link; `special`: device, FIFO, socket or an unknown tar type. Neither is ever unpacked. */
export type EntryKind = 'file' | 'folder' | 'link' | 'special';

/** A zip entry's bytes: what its central directory record says (enough to reopen it without listing again). */
export interface ZipLocator {
  offset: number;
  compressedSize: number;
  size: number;
  method: number;
  flags: number;
  crc32: number;
}

/** A plain tar entry's bytes: [offset, offset + size) of the archive. */
export interface TarLocator {
  offset: number;
  size: number;
}

/** JSON-safe: an operation may store it in a task and reopen the entry later with ArchiveReader.openAt. */
export type EntryLocator = ({ format: 'zip' } & ZipLocator) | ({ format: 'tar' } & TarLocator);

export interface ArchiveEntry {
  /** Position among the archive's entries (0-based, every kind counted). */
  index: number;
  /** The name as stored (not yet judged: see entrySegments). */
  name: string;
  kind: EntryKind;
  /** Uncompressed bytes (0 unless a file). A zip header's word, enforced when read (more or fewer bytes is CORRUPT_ARCHIVE). */
  size: number;
  /** Modification time in ms, when the archive records one. */
  modifiedAt: number | null;
  /** Where to reopen the bytes later (zip, tar); null for tar.gz, which only streams. */
  locator: EntryLocator | null;
  /** Set when the entry's bytes cannot be read (encrypted, unsupported method, declared ratio past the limit). */
  problem?: ArchiveError;
  /**
   * The entry's bytes, limits enforced as they flow; errors are ArchiveErrors
   * (scope `entry`, or `archive` when the whole archive must stop). For tar
   * and tar.gz, only until the next entry is asked for (what is not read by
   * then is skipped); for zip, any time before the reader is closed.
   */
  open(): Promise<Readable>;
}
