/**
 * Runs the engine on its own thread (SQLite servers): the API's event loop
 * only serves HTTP (job work must never slow API responses), while both
 * threads share the database file (WAL: reads never wait; writers take turns
 * on SQLite's lock) and hear each other's hints through the driver's
 * BroadcastChannel. A thread that dies is restarted: its leases expire and
 * are reclaimed like any crashed worker's.
 */
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { EngineOverrides } from '../engine/engine.js';
import type { EngineThreadData, FromEngineThread, ToEngineThread } from './messages.js';

const RESTART_DELAY_MS = 1_000;

/** The part of an engine a server's owner uses: who it is and how to stop it. */
export interface EngineHandle {
  readonly workerId: string;
  stop(graceMs?: number): Promise<void>;
}

/** The thread's entry; present only in the built code (dist/), not when running from TypeScript sources. */
export const ENGINE_THREAD_ENTRY = new URL('./main.js', import.meta.url);

export class EngineThread implements EngineHandle {
  readonly workerId = `${os.hostname()}:${process.pid}:t${randomBytes(3).toString('hex')}`;
  private worker: Worker | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Threads started so far: each claims as its own worker, so a restarted thread never heartbeats its dead predecessor's leases. */
  private incarnation = 0;

  private constructor(
    private readonly config: Config,
    private readonly overrides: EngineOverrides,
    private readonly logger: Logger,
    private readonly writeGate: SharedArrayBuffer | undefined,
  ) {}

  static async start(config: Config, overrides: EngineOverrides, logger: Logger, writeGate?: SharedArrayBuffer): Promise<EngineThread> {
    const thread = new EngineThread(config, overrides, logger, writeGate);
    await thread.spawn();
    return thread;
  }

  private spawn(): Promise<void> {
    this.incarnation += 1;
    const workerId = this.incarnation === 1 ? this.workerId : `${this.workerId}.${this.incarnation}`;
    const data: EngineThreadData = { config: this.config, overrides: this.overrides, workerId, ...(this.writeGate ? { writeGate: this.writeGate } : {}) };
    const worker = new Worker(ENGINE_THREAD_ENTRY, { workerData: data });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: FromEngineThread) => {
        if (message.type === 'ready') {
          ready = true;
          resolve();
        } else if (message.type === 'failed' && !ready) {
          reject(new Error(`engine thread failed to start: ${message.message}`));
        } else if (message.type === 'failed') {
          this.logger.error({ err: message.message }, 'engine thread failed while stopping');
        }
      });
      worker.on('error', (error) => {
        this.logger.error({ err: error }, 'engine thread crashed');
        if (!ready) reject(error);
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        if (!ready || this.stopping) return;
        this.logger.error({ code }, `engine thread exited; restarting in ${RESTART_DELAY_MS} ms`);
        this.restartTimer = setTimeout(() => {
          this.restartTimer = undefined;
          if (!this.stopping) this.spawn().catch((error: unknown) => this.logger.error({ err: error }, 'engine thread restart failed'));
        }, RESTART_DELAY_MS);
      });
    });
  }

  /** Lets running tasks finish for up to `graceMs`, releases the rest, closes the thread's connection. */
  stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.stopped ??= this.stopWorker(graceMs);
    return this.stopped;
  }

  private async stopWorker(graceMs: number): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const done = new Promise<void>((resolve) => {
      worker.on('message', (message: FromEngineThread) => {
        if (message.type === 'stopped' || message.type === 'failed') resolve();
      });
      worker.once('exit', () => resolve());
    });
    worker.postMessage({ type: 'stop', graceMs } satisfies ToEngineThread);
    // The thread's own grace, then a margin for closing its connection.
    const deadline = setTimeout(() => void worker.terminate(), graceMs + 5_000);
    await done;
    clearTimeout(deadline);
    await worker.terminate();
  }
}
