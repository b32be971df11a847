/**
 * Content-addressed blobs in an S3 bucket (AWS, or any S3-compatible server):
 * a blob is the object `<prefix>objects/<sha256>`. The address is known only
 * once every byte has been hashed, so a write first holds its bytes here — in
 * memory up to SMALL_BLOB_BYTES, past that in a spool file on local disk
 * (`<dataDir>/s3-spool/<location>/`) — and only then asks the bucket: a HEAD
 * of the address (S3-compatible servers such as Swift refuse conditional
 * PUTs, If-None-Match), and a PUT (multipart past one 8 MiB part) when it is
 * absent. So an object at an address is always complete and its content
 * verified, identical content is never sent twice, and the bucket holds no
 * temp keys and needs no server-side copy (which on AWS stops at 5 GiB and on
 * Swift reads the whole object again). The price: one local write and read
 * of a large blob, and spool space for the writes in flight.
 *
 * Durability: a PUT is durable when it returns. A plain write has PUT before
 * it resolves; `pin` keeps the held bytes (memory or spool file) until
 * release, so `restore` can PUT them again after the collector took them;
 * `defer` stops at the held bytes, and `persist` PUTs a batch of them, many
 * at once (PERSIST_PARALLELISM; small ones without a HEAD first). `absent`
 * of many blobs lists their key range rather than HEAD each (s3-absent.ts). Failures
 * become TransientError where a retry can help (s3-client.ts). `compact` has
 * nothing to do (no packs).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { PassThrough, Readable, pipeline } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SMALL_BLOB_BYTES, type BlobPin, type BlobStore, type BlobWriteResult, type ByteRange, type StoredObject } from '../blob-store.js';
import { receive } from '../receive.js';
import { SpoolSink } from './spool.js';
import { assertSha256 } from '../loose-objects.js';
import { InvalidArgumentError, NotFoundError } from '../../domain/errors.js';
import { createS3Client, isS3NotFound, s3Failure, s3Status, type S3ClientOptions } from './s3-client.js';
import type { S3Location } from './s3-location.js';
import { putObject, type HeldBytes } from './s3-upload.js';
import { presentByListing } from './s3-absent.js';
import { abortStaleUploads, listBlobs, removeStaleSpoolFiles, removeStaleTmpKeys, type S3Keys } from './s3-sweep.js';

/** PUTs in flight per location for `persist` and `absent`'s HEADs. */
const PERSIST_PARALLELISM = 16;
/** `absent` of at least this many blobs lists their key range (s3-absent.ts) rather than HEAD each. */
export const LIST_ABSENT_MIN = 32;

/** A write whose bytes are held here: until its pin's release, or (deferred) its persist. */
interface HeldWrite {
  sha256: string;
  size: number;
  held: HeldBytes;
  /** The PUT that stores it (deferred: once persist asked for it). */
  durable?: Promise<void>;
  released: boolean;
}

type WriteMode = 'commit' | 'pin' | 'defer';
const modeOf = (o: { pin?: boolean; defer?: boolean }): WriteMode => (o.defer === true ? 'defer' : o.pin === true ? 'pin' : 'commit');

export class S3BlobStore implements BlobStore {
  readonly client: S3Client;
  readonly bucket: string;
  private readonly keys: S3Keys;
  /** `S3 location 'name' (s3://…)`: how messages name it. */
  private readonly where: string;
  /** Spool files this instance is writing or holding; the sweep spares them. */
  private readonly activeSpool = new Set<string>();
  /** Keys this instance is uploading (their multipart uploads are not stale). */
  private readonly uploading = new Map<string, number>();
  private readonly pinned = new Map<string, number>();
  private readonly heldByPin = new WeakMap<BlobPin, HeldWrite>();

  constructor(
    readonly name: string,
    readonly location: S3Location,
    clientOptions: S3ClientOptions = {},
  ) {
    this.client = createS3Client(location, clientOptions);
    this.bucket = location.bucket;
    this.keys = { client: this.client, bucket: location.bucket, prefix: location.prefix, objects: `${location.prefix}objects/`, tmp: `${location.prefix}tmp/` };
    this.where = `S3 location '${name}' (${location.display})`;
  }

  /** The key of a blob; InvalidArgumentError unless `sha256` is 64 lowercase hex digits. */
  objectKey(sha256: string): string {
    assertSha256(sha256);
    return this.keys.objects + sha256;
  }

  async write(source: Readable, options: { maxBytes: number; pin?: boolean; defer?: boolean }): Promise<BlobWriteResult> {
    const { maxBytes } = options;
    if (!(maxBytes >= 0)) throw new InvalidArgumentError(`maxBytes must be a non-negative number, not ${maxBytes}`);
    const sink = new SpoolSink(SMALL_BLOB_BYTES, this.location.spoolDir, (file) => this.activeSpool.add(file));
    let received: { sha256: string; size: number };
    try {
      received = await receive(source, sink.write, maxBytes);
    } catch (error) {
      sink.close();
      if (sink.file) this.dropSpool(sink.file.path);
      throw error;
    } finally {
      sink.close();
    }
    const held: HeldBytes = sink.file === undefined ? { kind: 'memory', content: sink.content() } : { kind: 'file', path: sink.file.path, size: received.size };
    return this.store({ ...received, held, released: false }, modeOf(options));
  }

  async writeBuffer(content: Buffer, options: { pin?: boolean; defer?: boolean } = {}): Promise<BlobWriteResult> {
    const sha256 = crypto.createHash('sha256').update(content).digest('hex');
    return this.store({ sha256, size: content.length, held: { kind: 'memory', content }, released: false }, modeOf(options));
  }

  async persist(writes: readonly BlobWriteResult[]): Promise<void> {
    const entries: HeldWrite[] = [];
    for (const write of writes) {
      const entry = write.pin && this.heldByPin.get(write.pin);
      if (entry && !entry.released) entries.push(entry);
    }
    const settled = await Promise.allSettled(
      entries.map((entry) => {
        entry.durable ??= this.limited(() => (entry.released ? Promise.resolve() : this.putIfAbsent(entry, entry.held.kind === 'file').then(() => undefined)));
        return entry.durable;
      }),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      // A later persist (or restore) tries the failed ones again.
      settled.forEach((s, i) => {
        if (s.status === 'rejected') entries[i]!.durable = undefined;
      });
      throw failed.reason;
    }
  }

  async openRead(sha256: string, range?: ByteRange): Promise<Readable> {
    const key = this.objectKey(sha256);
    if (range && !(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && range.start >= 0 && range.start <= range.end)) {
      throw new InvalidArgumentError(`invalid byte range ${range.start}-${range.end}`);
    }
    let body: Readable;
    try {
      const answer = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      body = answer.Body as Readable;
    } catch (error) {
      if (isS3NotFound(error)) throw this.notFound(sha256);
      // A range starting at or past the end: nothing to read (as from a file).
      if (s3Status(error) === 416 || (error as { name?: string }).name === 'InvalidRange') return Readable.from([]);
      throw s3Failure(error, this.where, `reading blob ${sha256.slice(0, 12)}…`);
    }
    // A socket failing mid-body becomes a TransientError on the stream (the copy or download is retried).
    const out = new PassThrough();
    pipeline(body, out, (error) => {
      if (error) out.destroy(s3Failure(error, this.where, `reading blob ${sha256.slice(0, 12)}…`));
    });
    return out;
  }

  async read(sha256: string): Promise<Buffer> {
    const key = this.objectKey(sha256);
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Buffer.from(await answer.Body!.transformToByteArray());
    } catch (error) {
      if (isS3NotFound(error)) throw this.notFound(sha256);
      throw s3Failure(error, this.where, `reading blob ${sha256.slice(0, 12)}…`);
    }
  }

  async stat(sha256: string): Promise<{ size: number } | null> {
    const key = this.objectKey(sha256);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isS3NotFound(error)) return null;
      throw s3Failure(error, this.where, `looking up blob ${sha256.slice(0, 12)}…`);
    }
  }

  async absent(sha256s: readonly string[]): Promise<string[]> {
    for (const sha256 of sha256s) assertSha256(sha256);
    const unique = [...new Set(sha256s)].sort();
    const present = new Set<string>();
    let toHead = unique;
    if (unique.length >= LIST_ABSENT_MIN) {
      try {
        const listed = await presentByListing(this.keys, unique);
        listed.present.forEach((sha256) => present.add(sha256));
        toHead = listed.unsettled;
      } catch (error) {
        throw s3Failure(error, this.where, 'listing blobs');
      }
    }
    await Promise.all(toHead.map((sha256) => this.limited(async () => ((await this.stat(sha256)) !== null ? present.add(sha256) : undefined))));
    return sha256s.filter((sha256) => !present.has(sha256));
  }

  async delete(sha256: string): Promise<void> {
    const key = this.objectKey(sha256);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (isS3NotFound(error)) return;
      throw s3Failure(error, this.where, `deleting blob ${sha256.slice(0, 12)}…`);
    }
  }

  async compact(): Promise<{ packs: number; bytes: number }> {
    return { packs: 0, bytes: 0 };
  }

  async removeOrphanTempFiles(options: { olderThanMs?: number } = {}): Promise<number> {
    const olderThanMs = options.olderThanMs ?? 0;
    const spool = await removeStaleSpoolFiles(this.location.spoolDir, olderThanMs, this.activeSpool);
    try {
      const uploads = await abortStaleUploads(this.keys, olderThanMs, new Set(this.uploading.keys()));
      const probes = await removeStaleTmpKeys(this.keys, olderThanMs);
      return spool + uploads + probes;
    } catch (error) {
      throw s3Failure(error, this.where, 'sweeping stale uploads');
    }
  }

  async listObjects(p: { after?: string; limit: number }): Promise<StoredObject[]> {
    if (p.after !== undefined) assertSha256(p.after);
    try {
      return await listBlobs(this.keys, p, (sha256) => this.pinned.has(sha256));
    } catch (error) {
      throw s3Failure(error, this.where, 'listing blobs');
    }
  }

  async check(options: { signal?: AbortSignal } = {}): Promise<void> {
    const probe = `${this.keys.tmp}check-${crypto.randomUUID()}`;
    const describe = (error: unknown) => {
      const e = error as { name?: string; code?: string; message?: string };
      const status = s3Status(error);
      return [e.name && e.name !== 'Error' ? e.name : e.code, status !== undefined ? `HTTP ${status}` : undefined].filter(Boolean).join(', ') || (e.message ?? String(error));
    };
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: probe, Body: 'batchyard storage check\n' }), { abortSignal: options.signal });
    } catch (error) {
      const status = s3Status(error);
      const what = status === undefined ? 'is not reachable' : status === 403 ? 'refuses writes' : 'is not writable';
      throw new Error(`${this.where} ${what} (${describe(error)})`);
    }
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: probe }), { abortSignal: options.signal });
    } catch (error) {
      throw new Error(`${this.where}: a written object could not be removed (${describe(error)})`);
    }
  }

  /** Ends the client's sockets (the store is not used after). */
  close(): void {
    this.client.destroy();
  }

  /** Stores (commit), stores and keeps aside (pin), or only keeps aside (defer) a held write. */
  private async store(entry: HeldWrite, mode: WriteMode): Promise<BlobWriteResult> {
    const { sha256, size } = entry;
    if (mode === 'defer') return { sha256, size, created: true, pin: this.pinOf(entry), deferred: true };
    let created: boolean;
    try {
      created = await this.putIfAbsent(entry);
      entry.durable = Promise.resolve();
    } catch (error) {
      this.dropHeld(entry);
      throw error;
    }
    if (mode === 'pin') return { sha256, size, created, pin: this.pinOf(entry) };
    this.dropHeld(entry);
    return { sha256, size, created };
  }

  /**
   * PUTs the held bytes at their address unless a HEAD finds them there;
   * whether it PUT. `look` false skips the HEAD: `persist` PUTs content held
   * in memory straight away (its caller has just asked `absent`, and a PUT of
   * identical bytes over a stored copy changes nothing), halving the requests
   * of a copy of many small files.
   */
  private async putIfAbsent(entry: HeldWrite, look = true): Promise<boolean> {
    if (look && (await this.stat(entry.sha256)) !== null) return false;
    const key = this.objectKey(entry.sha256);
    this.uploading.set(key, (this.uploading.get(key) ?? 0) + 1);
    try {
      await putObject({ client: this.client, bucket: this.bucket, key }, entry.held);
      return true;
    } catch (error) {
      throw s3Failure(error, this.where, `storing blob ${entry.sha256.slice(0, 12)}…`);
    } finally {
      const n = (this.uploading.get(key) ?? 1) - 1;
      if (n > 0) this.uploading.set(key, n);
      else this.uploading.delete(key);
    }
  }

  private pinOf(entry: HeldWrite): BlobPin {
    this.pinned.set(entry.sha256, (this.pinned.get(entry.sha256) ?? 0) + 1);
    const pin: BlobPin = {
      restore: async () => {
        if (entry.released) return;
        if (entry.durable === undefined) return this.persist([{ sha256: entry.sha256, size: entry.size, created: true, pin }]);
        await this.putIfAbsent(entry);
      },
      release: async () => {
        if (entry.released) return;
        const n = (this.pinned.get(entry.sha256) ?? 1) - 1;
        if (n > 0) this.pinned.set(entry.sha256, n);
        else this.pinned.delete(entry.sha256);
        this.dropHeld(entry);
      },
    };
    this.heldByPin.set(pin, entry);
    return pin;
  }

  /** Lets go of a write's held bytes (its spool file removed). */
  private dropHeld(entry: HeldWrite): void {
    entry.released = true;
    if (entry.held.kind === 'file') this.dropSpool(entry.held.path);
  }

  private dropSpool(file: string): void {
    fs.rmSync(file, { force: true });
    this.activeSpool.delete(file);
  }

  private notFound(sha256: string): NotFoundError {
    return new NotFoundError(`blob ${sha256} is not stored in '${this.name}'`);
  }

  /** Runs `task` when fewer than PERSIST_PARALLELISM others run. */
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private async limited<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= PERSIST_PARALLELISM) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
