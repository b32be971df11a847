/**
 * Hints for one SQLite database within one process: subscribers in this
 * thread hear them on an emitter, other threads of the process (the engine
 * thread, the API's) through a BroadcastChannel named after the database file,
 * as the same text a PostgreSQL NOTIFY carries (`hints.ts` encodes and decodes).
 * SQLite has no transactional notify: the Store publishes after commit.
 */
import { EventEmitter } from 'node:events';
import { BroadcastChannel } from 'node:worker_threads';
import type { Notifier } from '../../driver.js';
import { decodeHint, encodeHint, type Hint } from '../../hints.js';

export function threadNotifier(databaseName: string): Notifier & { close(): void } {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  // An in-memory database is private to its connection: no other thread can share it.
  const broadcast = databaseName === ':memory:' ? undefined : new BroadcastChannel(`batchyard:sqlite:${databaseName}`);
  if (broadcast) {
    broadcast.unref();
    broadcast.onmessage = (event) => {
      const data = (event as { data: unknown }).data;
      const hint = typeof data === 'string' ? decodeHint(data) : undefined;
      if (hint) emitter.emit(hint.topic, hint);
    };
  }
  return {
    transactional: false,
    async publish(_db, hint) {
      setImmediate(() => emitter.emit(hint.topic, hint));
      broadcast?.postMessage(encodeHint(hint));
    },
    async subscribe(topic, listener) {
      const heard = (hint: Hint) => listener(hint);
      emitter.on(topic, heard);
      return async () => {
        emitter.off(topic, heard);
      };
    },
    close() {
      broadcast?.close();
    },
  };
}
