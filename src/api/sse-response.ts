/**
 * A Server-Sent Events response written on a hijacked reply: the headers, one
 * frame at a time (waiting for the socket to drain when its buffer is full,
 * so a slow client holds no unbounded memory), a heartbeat comment that keeps
 * proxies from timing the stream out, and one end. Ending (the client going,
 * the server closing) releases a write that waits.
 */
import type { ServerResponse } from 'node:http';

/** One event as a frame: `id`, `event` (its name) and one line of JSON data. */
export function sseFrame(id: number, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class SseResponse {
  private heartbeat: NodeJS.Timeout | undefined;
  private release: (() => void) | undefined;
  private ended = false;

  constructor(private readonly raw: ServerResponse) {}

  /** Sends the headers and starts the heartbeat. */
  start(heartbeatMs: number): void {
    this.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.raw.flushHeaders();
    this.heartbeat = setInterval(() => {
      if (!this.ended && !this.raw.writableNeedDrain) this.raw.write(': ping\n\n');
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  /** Writes a frame; resolves once the socket can take more (or the response has ended). */
  async write(text: string): Promise<void> {
    if (this.ended || this.raw.destroyed) return;
    if (this.raw.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.raw.off('drain', done);
        this.release = undefined;
        resolve();
      };
      this.release = done;
      this.raw.on('drain', done);
    });
  }

  /** Ends the response (idempotent): stops the heartbeat and releases a waiting write. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    this.release?.();
    if (!this.raw.writableEnded && !this.raw.destroyed) this.raw.end();
  }
}
