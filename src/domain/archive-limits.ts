/**
 * What one archive may unpack to (extract, import of an uploaded archive).
 * A zip bomb stops at the first limit it passes. The server's values come
 * from config (BATCHYARD_ARCHIVE_MAX_BYTES / _ENTRIES / _RATIO).
 */
export interface ArchiveLimits {
  /** Total uncompressed bytes of one archive. */
  readonly maxTotalBytes: number;
  /** Entries of one archive (every entry counts: files, folders, links, …). */
  readonly maxEntries: number;
  /** Uncompressed bytes per compressed byte, checked once an entry (or a gzip stream) has produced RATIO_GRACE_BYTES. */
  readonly maxRatio: number;
}

/** The defaults of config.ts: a 1 GiB entry of zeros (deflated ~1,000:1) stops at the ratio. */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = Object.freeze({ maxTotalBytes: 64 * 1024 ** 3, maxEntries: 1_000_000, maxRatio: 200 });

/** Below this many uncompressed bytes the ratio is not checked (tiny, highly compressible files are normal). */
export const RATIO_GRACE_BYTES = 1024 * 1024;
