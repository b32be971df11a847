import type { Readable } from 'node:stream';

/** What a finished write produced: the content address and its size. */
export interface BlobWriteResult {
  sha256: string;
  size: number;
  /** false when identical content was already stored (nothing new written). */
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
 * Content-addressed bytes. Writes are idempotent (temp file, fsync, link or
 * rename; or a batch of temp files made durable together, see `defer`);
 * a blob is addressed by the lowercase hex SHA-256 of its content.
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
   * the bytes wait (pinned, unsynced) in a temp file until `persist`, which
   * fsyncs a whole batch in one pass, then links each at its address and
   * syncs each directory it touched once. A catalog commit that references
   * the blob comes after `persist`; the caller releases the pin after it.
   */
  write(source: Readable, options: { maxBytes: number; pin?: boolean; defer?: boolean }): Promise<BlobWriteResult>;
  /**
   * Makes deferred writes durable and stores them at their addresses (the
   * others are already). Concurrent calls share one pass: their fsyncs are
   * issued together, so the filesystem journals them in one commit.
   */
  persist(writes: readonly BlobWriteResult[]): Promise<void>;
  /** Stores a buffer (used by tests and small internal writes). */
  writeBuffer(content: Buffer): Promise<BlobWriteResult>;
  /** Opens a stored blob for reading, optionally a byte range. NotFoundError if absent. */
  openRead(sha256: string, range?: ByteRange): Promise<Readable>;
  /** Size of a stored blob, or null if absent. */
  stat(sha256: string): Promise<{ size: number } | null>;
  /** Removes a stored blob; absent is not an error. */
  delete(sha256: string): Promise<void>;
  /**
   * Removes temp files left by crashed writers; returns how many. Temp files
   * modified within `olderThanMs` are spared: another process sharing the
   * location may be writing them (an upload in progress touches its file).
   */
  removeOrphanTempFiles(options?: { olderThanMs?: number }): Promise<number>;
  /**
   * Up to `limit` stored blobs in address order, after `after` (a sha256)
   * or from the start: one chunk of a resumable walk in bounded memory.
   */
  listObjects(p: { after?: string; limit: number }): Promise<StoredObject[]>;
}
