/**
 * Uploads files into a library, a few at a time: each file is one `PUT
 * …/files/<path>` (the server creates missing parent folders) sent with
 * XMLHttpRequest, whose upload events give a progress bar per file (fetch has
 * none). The queue lives outside React; a hook re-renders at most every
 * 100 ms while bytes move.
 */
import { useCallback, useRef, useState, useSyncExternalStore } from 'react';
import { errorMessage, toApiError, unsafeHeaders } from '../../api/client';
import { fileUrl } from './library-api';

export const UPLOAD_CONCURRENCY = 4;

export interface UploadTask {
  id: number;
  /** where the file goes in the library */
  path: string;
  size: number;
  loaded: number;
  status: 'queued' | 'uploading' | 'done' | 'failed';
  error: string | null;
  file: File;
}

export interface UploadTotals {
  files: number;
  done: number;
  failed: number;
  bytes: number;
  loaded: number;
  active: boolean;
}

function putFile(libraryId: string, task: UploadTask, onProgress: (loaded: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', fileUrl(libraryId, task.path));
    xhr.setRequestHeader('accept', 'application/json');
    for (const [name, value] of Object.entries(unsafeHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else void toApiError(new Response(xhr.responseText, { status: xhr.status, statusText: xhr.statusText })).then(reject);
    };
    xhr.onerror = () => reject(new Error('The upload was interrupted (network error).'));
    xhr.onabort = () => reject(new Error('The upload was cancelled.'));
    xhr.send(task.file);
  });
}

class UploadQueue {
  tasks: UploadTask[] = [];
  private nextId = 1;
  private running = 0;
  private version = 0;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly libraryId: string,
    private readonly onDrained: (totals: UploadTotals) => void,
  ) {}

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = () => this.version;

  add(files: Array<{ file: File; path: string }>): void {
    for (const { file, path } of files) {
      this.tasks.push({ id: this.nextId++, path, size: file.size, loaded: 0, status: 'queued', error: null, file });
    }
    this.changed(true);
    this.pump();
  }

  /** Forgets finished uploads (the failed ones too). */
  clearFinished(): void {
    this.tasks = this.tasks.filter((task) => task.status === 'queued' || task.status === 'uploading');
    this.changed(true);
  }

  retryFailed(): void {
    for (const task of this.tasks) {
      if (task.status === 'failed') Object.assign(task, { status: 'queued', loaded: 0, error: null });
    }
    this.changed(true);
    this.pump();
  }

  totals(): UploadTotals {
    const totals: UploadTotals = { files: this.tasks.length, done: 0, failed: 0, bytes: 0, loaded: 0, active: this.running > 0 };
    for (const task of this.tasks) {
      totals.bytes += task.size;
      totals.loaded += task.status === 'done' ? task.size : task.loaded;
      if (task.status === 'done') totals.done += 1;
      if (task.status === 'failed') totals.failed += 1;
    }
    totals.active = totals.active || this.tasks.some((task) => task.status === 'queued');
    return totals;
  }

  private pump(): void {
    while (this.running < UPLOAD_CONCURRENCY) {
      const task = this.tasks.find((candidate) => candidate.status === 'queued');
      if (!task) break;
      this.running += 1;
      task.status = 'uploading';
      putFile(this.libraryId, task, (loaded) => {
        task.loaded = loaded;
        this.changed(false);
      })
        .then(() => {
          task.status = 'done';
          task.loaded = task.size;
        })
        .catch((error: unknown) => {
          task.status = 'failed';
          task.error = errorMessage(error);
        })
        .finally(() => {
          this.running -= 1;
          this.changed(true);
          this.pump();
          if (this.running === 0 && !this.tasks.some((candidate) => candidate.status === 'queued')) this.onDrained(this.totals());
        });
    }
  }

  /** Tells the view; progress events are coalesced (at most one render per 100 ms). */
  private changed(now: boolean): void {
    if (!now) {
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = null;
        this.emit();
      }, 100);
      return;
    }
    this.emit();
  }

  private emit(): void {
    this.version += 1;
    for (const listener of this.listeners) listener();
  }
}

/** The uploads into one library; `onDrained` runs each time the queue empties. */
export function useUploads(libraryId: string, onDrained: (totals: UploadTotals) => void) {
  const drained = useRef(onDrained);
  drained.current = onDrained;
  // One queue per mounted browser (the page keys it by library): uploads go on while one browses other folders.
  const [queue] = useState(() => new UploadQueue(libraryId, (totals) => drained.current(totals)));
  useSyncExternalStore(queue.subscribe, queue.snapshot);
  const add = useCallback((files: Array<{ file: File; path: string }>) => queue.add(files), [queue]);
  return { tasks: queue.tasks, totals: queue.totals(), add, clearFinished: () => queue.clearFinished(), retryFailed: () => queue.retryFailed() };
}
