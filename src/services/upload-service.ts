/**
 * tus uploads as callers own them: creating one records its owner (and the
 * library it is meant for, checked for WRITER when named), its size under the
 * limit, and its expiry; every later request on it (HEAD, PATCH, DELETE, GET)
 * is the owner's alone — to anyone else the upload does not exist (404). An
 * import reads an upload only when it is finished, owned by the job's
 * requestor, and not being read by another running job.
 */
import type { Store } from '../store/store.js';
import type { Principal } from '../domain/types.js';
import type { UploadRow } from '../store/queries/uploads.js';
import { UPLOAD_ID, type UploadFiles } from '../blobs/upload-files.js';
import { ConflictError, InvalidArgumentError, NotFoundError, PayloadTooLargeError, UnprocessableError } from '../domain/errors.js';
import { isActive } from '../domain/jobs.js';
import { assertWritable } from '../domain/library-rules.js';
import type { LibraryService } from './library-service.js';
import { systemClock, type Clock } from './clock.js';

export interface UploadOptions {
  /** The largest upload accepted (Upload-Length, and bytes received when the length is deferred). */
  maxBytes: number;
  /** How long an upload is kept after its creation (unfinished: tus answers 410 after it). */
  ttlMs: number;
}

/** A finished upload an import may read. */
export interface ImportableUpload {
  row: UploadRow;
  path: string;
  size: number;
}

export class UploadService {
  constructor(
    private readonly store: Store,
    private readonly libraries: LibraryService,
    readonly files: UploadFiles,
    readonly options: UploadOptions,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Checks a new upload before tus creates it: its declared size under the
   * limit (413), and the library it names (metadata `libraryId`), if any,
   * writable by the caller (404 unseen, 403 below WRITER).
   */
  async checkCreate(caller: Principal, p: { size: number | null; libraryId: string | null }): Promise<void> {
    if (p.size !== null && p.size > this.options.maxBytes) {
      throw new PayloadTooLargeError(`Upload-Length: ${p.size} bytes is more than this server accepts (${this.options.maxBytes})`, { limit: this.options.maxBytes });
    }
    if (p.libraryId !== null) {
      const access = await this.libraries.access(caller, p.libraryId, 'WRITER');
      assertWritable(access.library.state);
    }
  }

  /** Records a new upload (tus is about to create its file). */
  async record(caller: Principal, p: { id: string; size: number | null; libraryId: string | null }): Promise<void> {
    const now = this.clock();
    await this.store.uploadInsert({ id: p.id, userId: caller.user.id, libraryId: p.libraryId, size: p.size, now, expiresAt: now + this.options.ttlMs });
  }

  /** The caller's upload; 404 naming it when absent or another user's (an upload is visible to its owner alone). */
  async owned(caller: Principal, id: string, field = 'uploadId'): Promise<UploadRow> {
    const row = UPLOAD_ID.test(id) ? await this.store.uploadGetById({ id }) : undefined;
    if (!row || row.userId !== caller.user.id) throw new NotFoundError(`${field}: upload '${id.slice(0, 128)}' not found`, { field, uploadId: id.slice(0, 128) });
    return row;
  }

  /**
   * An upload an import by `caller` into `libraryId` may read: the caller's,
   * finished (409 while bytes are missing), meant for that library if it
   * named one (422), and not held by another running import (409).
   */
  async importable(caller: Principal, id: string, libraryId: string, field = 'params.source.uploadId'): Promise<ImportableUpload> {
    const row = await this.owned(caller, id, field);
    const state = await this.files.state(id);
    if (!state) throw new NotFoundError(`${field}: upload '${id}' has no bytes any more (expired or consumed)`, { field, uploadId: id });
    if (state.size === undefined || state.offset !== state.size) {
      throw new ConflictError(`${field}: upload '${id}' is not finished (${state.offset} of ${state.size ?? 'an undeclared number of'} bytes received)`, {
        field,
        uploadId: id,
        offset: state.offset,
      });
    }
    if (row.libraryId !== null && row.libraryId !== libraryId) {
      throw new UnprocessableError(`${field}: upload '${id}' was made for library '${row.libraryId}', not '${libraryId}'`, { field, uploadId: id });
    }
    if (row.jobId !== null) {
      const job = await this.store.jobGetById(row.jobId);
      if (job && isActive(job.status)) {
        throw new ConflictError(`${field}: upload '${id}' is being imported by job ${row.jobId}`, { field, uploadId: id, jobId: row.jobId });
      }
    }
    return { row, path: this.files.pathOf(id), size: state.size };
  }

  /** A tus upload id from a request path segment; 404 when it cannot be one. */
  static parseId(raw: string): string {
    if (!UPLOAD_ID.test(raw)) throw new InvalidArgumentError(`'${raw.slice(0, 128)}' is not an upload id`);
    return raw;
  }
}
