import type { Readable } from 'node:stream';

/**
 * Blobs up to this size are small: a store may pack them (many made durable
 * by one fsync), and a caller may read them whole (`read`).
 */
export const SMALL_BLOB_BYTES = 256 * 1024;

/** What a finished write produced: the content address and its size. */
export interface BlobWriteResult {
  sha256: string;
  size: number;
  /**
   * false when identical content was already stored (nothing new written). A
   * deferred small write says true without looking: a duplicate record is
   * dead space once `persist` finds the blob indexed already.
   */
  created: boolean;
  /** With `pin` (always with `defer`): the written bytes, kept aside until the caller releases them. */
  pin?: BlobPin;
  /** With `defer`: the bytes are not durable, nor at their address, until `persist` has run for this write. */
  deferred?: boolean;
}

/** A stored blob as the orphan sweep sees it (BlobStore.listObjects). */
export interface StoredObject {
  sha256: string;
  size: number;
  /** When its bytes were last written (a fresh write or copy is spared by the sweep's grace period). */
  mtimeMs: number;
  /** This process holds a pin on it: a write whose catalog commit is in flight. */
  pinned: boolean;
}

/**
 * A written blob's bytes kept aside until its reference is committed: the
 * collector may remove the stored copy of content whose last reference went
 * (refcount 0) between the write and the commit; `restore` puts it back.
 */
export interface BlobPin {
  /** Stores the bytes at their address again if they are gone. */
  restore(): Promise<void>;
  /** Drops the kept bytes (call once the reference is committed, or given up). */
  release(): Promise<void>;
}

export interface ByteRange {
  /** inclusive */
  start: number;
  /** inclusive */
  end: number;
}

/**
 * Content-addressed bytes. Writes are idempotent (a small blob appended to a
 * pack, a large one through a temp file, fsync, link or rename; or a batch
 * of writes made durable together, see `defer`); a blob is addressed by the
 * lowercase hex SHA-256 of its content. Whatever the layout, a write whose
 * `persist` (or non-deferred write) has resolved survives a crash, and bytes
 * written but never referenced are found by `listObjects` (the orphan
 * sweep) or, inside a pack, reclaimed by `compact`.
 */
export interface BlobStore {
  /** The operator's name for this storage location (`default`, …). */
  readonly name: string;
  /**
   * Streams `source` into the store while hashing it. Rejects with
   * PayloadTooLargeError past `maxBytes` and with TransientError when the
   * source ends early (client disconnect); in every failure the temp file
   * is removed and nothing becomes visible. With `pin`, the result may carry
   * a BlobPin (where the store can keep the bytes aside).
   *
   * With `defer`, the write is made durable later, together with others:
   * the bytes wait (pinned, unsynced: a small blob's record in a pack, a
   * large one's temp file) until `persist`, which fsyncs a whole batch in one
   * pass, then indexes the packed ones (one transaction, one fsync) and links
   * each large one at its address (each directory it touched synced once).
   * Until then the blob is not stored: stat and openRead do not find it. A
   * catalog commit that references the blob comes after `persist`; the
   * caller releases the pin after it.
   */
  write(source: Readable, options: { maxBytes: number; pin?: boolean; defer?: boolean }): Promise<BlobWriteResult>;
  /**
   * Makes deferred writes durable and stores them at their addresses (the
   * others are already). Concurrent calls share one pass: their fsyncs are
   * issued together, so the filesystem journals them in one commit. A write
   * whose pin was released before its pass is never stored.
   */
  persist(writes: readonly BlobWriteResult[]): Promise<void>;
  /** `write` of content already in memory (a small file read whole, job results, tests); `pin` and `defer` as there. */
  writeBuffer(content: Buffer, options?: { pin?: boolean; defer?: boolean }): Promise<BlobWriteResult>;
  /** Opens a stored blob for reading, optionally a byte range. NotFoundError if absent. */
  openRead(sha256: string, range?: ByteRange): Promise<Readable>;
  /**
   * A whole stored blob in memory, for small ones (an export reads its files
   * of up to 256 KiB this way: one read instead of a stream). NotFoundError if absent.
   */
  read(sha256: string): Promise<Buffer>;
  /** Size of a stored blob, or null if absent. */
  stat(sha256: string): Promise<{ size: number } | null>;
  /** Those of `sha256s` not stored (stat of many at once: one look-up pass). */
  absent(sha256s: readonly string[]): Promise<string[]>;
  /** Removes a stored blob; absent is not an error. A packed blob's record becomes dead space (see `compact`). */
  delete(sha256: string): Promise<void>;
  /**
   * Reclaims dead space in packs (records of deleted blobs, and bytes a crash
   * left unindexed): a pack mostly dead and untouched for `olderThanMs` has
   * its live records copied into a new pack, then goes. Returns the packs
   * removed and their bytes. Run by the orphan sweep, with its grace period.
   */
  compact(options?: { olderThanMs?: number }): Promise<{ packs: number; bytes: number }>;
  /**
   * Removes temp files left by crashed writers; returns how many. Temp files
   * modified within `olderThanMs` are spared: another process sharing the
   * location may be writing them (an upload in progress touches its file).
   */
  removeOrphanTempFiles(options?: { olderThanMs?: number }): Promise<number>;
  /**
   * Up to `limit` stored blobs in address order, after `after` (a sha256)
   * or from the start: one chunk of a resumable walk in bounded memory.
   * Packed and loose blobs alike (a packed one's mtimeMs: when it was indexed).
   */
  listObjects(p: { after?: string; limit: number }): Promise<StoredObject[]>;
  /**
   * Whether the location can be used now: reachable, and writable (a small
   * probe written under the location and removed again, its name unique to
   * the call: several processes check one location at once). Resolves when
   * it can; rejects with an Error whose message tells an operator what is
   * wrong (the directory or bucket, the error's code), never a credential.
   * `GET /readyz` calls it up to once a second and `batchyard doctor` once,
   * so it is cheap and leaves nothing behind (a probe a crash strands is one
   * the store's own clean-up removes, as for temp files). Honours `signal`
   * where the I/O can be aborted (a network request); callers also stop
   * waiting at their own deadline, so a call that hangs does not hold them.
   */
  check(options?: { signal?: AbortSignal }): Promise<void>;
}
