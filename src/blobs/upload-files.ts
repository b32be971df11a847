/**
 * The bytes of tus uploads: one file per upload under `<dataDir>/uploads`
 * (`<id>`, with its tus record `<id>.json`), kept by @tus/file-store, which
 * the tus server writes through. The rest of the server reads an upload's
 * state and path here, and removes consumed or expired ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FileStore } from '@tus/file-store';

/** An upload id as the tus server names them (and as import params accept them). */
export const UPLOAD_ID = /^[A-Za-z0-9_-]{1,128}$/;

export interface UploadState {
  /** Bytes received. */
  offset: number;
  /** Declared length; undefined while deferred. */
  size: number | undefined;
}

/**
 * FileStore's constructor makes its directory with an async mkdir whose
 * failure is thrown from a callback (an uncaught exception, should the data
 * directory go away meanwhile); here the directory is made synchronously
 * before, and that step does nothing.
 */
const SyncDirFileStore = class extends (FileStore as unknown as new (options: ConstructorParameters<typeof FileStore>[0]) => object) {
  checkOrCreateDirectory(): void {}
} as unknown as typeof FileStore;

export class UploadFiles {
  private store: FileStore | undefined;

  constructor(
    readonly dir: string,
    /** Unfinished uploads expire this long after creation (tus answers 410 Gone for them). */
    private readonly ttlMs: number,
  ) {}

  /** The tus data store over this directory (the tus server's datastore), made on first use. */
  get datastore(): FileStore {
    if (!this.store) {
      fs.mkdirSync(this.dir, { recursive: true });
      this.store = new SyncDirFileStore({ directory: this.dir, expirationPeriodInMilliseconds: this.ttlMs });
    }
    return this.store;
  }

  /** The file holding the upload's bytes. */
  pathOf(id: string): string {
    if (!UPLOAD_ID.test(id)) throw new Error(`'${id}' is not an upload id`);
    return path.join(this.dir, id);
  }

  /** What the upload holds, or undefined when its file or record is gone. */
  async state(id: string): Promise<UploadState | undefined> {
    if (!UPLOAD_ID.test(id)) return undefined;
    try {
      const upload = await this.datastore.getUpload(id);
      return { offset: upload.offset, size: upload.size };
    } catch {
      return undefined;
    }
  }

  /** Removes the upload's file and record, and what an import unpacked beside it (a tar.gz's tar); absent is not an error. */
  async remove(id: string): Promise<void> {
    if (!UPLOAD_ID.test(id)) return;
    for (const suffix of ['', '.tar', '.tar.partial', '.json']) await fs.promises.rm(path.join(this.dir, `${id}${suffix}`), { force: true });
  }
}
