/**
 * Group commit for the filesystem: writers queue work and ask for a flush;
 * one flush runs at a time over everything queued when it starts, and a
 * request made while one runs is served by the next (so what was queued
 * before the request is always in the flush its promise waits for).
 * Concurrent writers' fsyncs are thus issued together, in one pass, and the
 * filesystem journals them in one commit instead of one each.
 */
export class GroupFlush<T> {
  private queue: T[] = [];
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  /** `flush` must not reject: it records each item's own failure. */
  constructor(private readonly flush: (batch: T[]) => Promise<void>) {}

  /** Queues `items`; resolves once a flush that includes them has ended. */
  add(items: readonly T[]): Promise<void> {
    this.queue.push(...items);
    if (this.next) return this.next;
    if (!this.running) return this.start();
    this.next = this.running.then(() => {
      this.next = null;
      return this.start();
    });
    return this.next;
  }

  private start(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    const run: Promise<void> = this.flush(batch).finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }
}
