/**
 * Reclaims orphaned bytes: blobs stored at their address that no catalog row
 * knows (a crash between bytes and catalog, an upload or copy that failed
 * after its bytes were made durable), temp files crashed writers left, and
 * the dead space of packs (BlobStore.compact: deleted blobs' records, and
 * records a crash left unindexed).
 * Each pass walks one chunk of each storage location (BlobStore.listObjects,
 * bounded memory) from where the previous pass stopped, wrapping at the end.
 *
 * Safe against writes in flight: bytes younger than the grace period are
 * spared (a write between its bytes and its catalog commit, in any process),
 * and so are those this process holds a pin on. An older address with no row
 * is claimed with a row being collected (-1) before its bytes go: a
 * reference added meanwhile sees -1 and retries (BlobCollectedError), then
 * puts its bytes back (a pin) or writes them again (a task's retry), as
 * with the collector; a reference committed first makes the claim fail.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { BlobStore } from '../blobs/blob-store.js';

export interface OrphanSweepOptions {
  /** Bytes written less than this long ago are never taken (default one hour). */
  graceMs: number;
  /** Blobs looked at per location and pass. */
  chunk: number;
}

export const DEFAULT_ORPHAN_GRACE_MS = 60 * 60_000;
export const DEFAULT_ORPHAN_CHUNK = 1_000;

export interface OrphanSweepResult {
  /** Blobs looked at (every location). */
  scanned: number;
  /** Orphaned blobs removed. */
  removed: number;
  /** Stale temp files removed. */
  tempFiles: number;
  /** Bytes of the packs compaction removed (their live records copied on). */
  packBytes?: number;
}

export class OrphanSweeper {
  /** Per location, the last address looked at (absent: start from the beginning). */
  private readonly positions = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly blobs: { get(name: string): BlobStore; names(): string[] },
    private readonly logger: Logger,
    private readonly options: OrphanSweepOptions = { graceMs: DEFAULT_ORPHAN_GRACE_MS, chunk: DEFAULT_ORPHAN_CHUNK },
  ) {}

  /** One chunk of every location, as of `now`. */
  async sweep(now: number): Promise<OrphanSweepResult> {
    const total = { scanned: 0, removed: 0, tempFiles: 0, packBytes: 0 };
    for (const name of this.blobs.names()) {
      const result = await this.sweepLocation(this.blobs.get(name), now);
      total.scanned += result.scanned;
      total.removed += result.removed;
      total.tempFiles += result.tempFiles;
      total.packBytes += result.packBytes;
    }
    if (total.removed > 0 || total.tempFiles > 0 || total.packBytes > 0) {
      this.logger.info({ removed: total.removed, tempFiles: total.tempFiles, packBytes: total.packBytes }, 'reclaimed orphaned blob bytes');
    }
    return total;
  }

  private async sweepLocation(location: BlobStore, now: number): Promise<Required<OrphanSweepResult>> {
    const storage = location.name;
    const objects = await location.listObjects({ after: this.positions.get(storage), limit: this.options.chunk });
    const last = objects.at(-1);
    if (objects.length < this.options.chunk || !last) this.positions.delete(storage);
    else this.positions.set(storage, last.sha256);
    const cutoff = now - this.options.graceMs;
    // Whole milliseconds, as Date.now() counts: a blob written this very millisecond is 0 ms old.
    const candidates = objects.filter((o) => !o.pinned && Math.floor(o.mtimeMs) <= cutoff);
    const known = new Set(await this.store.blobListKnown({ storage, sha256s: candidates.map((o) => o.sha256) }));
    let removed = 0;
    for (const orphan of candidates) {
      if (known.has(orphan.sha256)) continue;
      if (!(await this.store.blobClaimOrphan({ storage, sha256: orphan.sha256, size: orphan.size, now }))) continue;
      await location.delete(orphan.sha256);
      await this.store.blobDeleteCollected({ storage, sha256: orphan.sha256 });
      removed++;
    }
    const tempFiles = await location.removeOrphanTempFiles({ olderThanMs: this.options.graceMs });
    // After the sweep: the records of the orphans it removed are dead space now.
    const compacted = await location.compact({ olderThanMs: this.options.graceMs });
    return { scanned: objects.length, removed, tempFiles, packBytes: compacted.bytes };
  }
}
