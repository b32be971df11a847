/**
 * Hints for one SQLite database within one process: subscribers in this
 * thread hear them on an emitter, other threads of the process (the engine
 * thread, the API's) through a BroadcastChannel named after the database file.
 * SQLite has no transactional notify: the Store publishes after commit.
 */
import { EventEmitter } from 'node:events';
import { BroadcastChannel } from 'node:worker_threads';
import type { Notifier } from '../../driver.js';

interface Hint {
  channel: string;
  payload: string;
}

export function threadNotifier(databaseName: string): Notifier & { close(): void } {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  // An in-memory database is private to its connection: no other thread can share it.
  const broadcast = databaseName === ':memory:' ? undefined : new BroadcastChannel(`batchyard:sqlite:${databaseName}`);
  if (broadcast) {
    broadcast.unref();
    broadcast.onmessage = (event) => {
      const hint = (event as { data: Hint }).data;
      emitter.emit(hint.channel, hint.payload);
    };
  }
  return {
    transactional: false,
    async publish(_db, channel, payload) {
      setImmediate(() => emitter.emit(channel, payload));
      broadcast?.postMessage({ channel, payload } satisfies Hint);
    },
    async subscribe(channel, listener) {
      emitter.on(channel, listener);
      return async () => {
        emitter.off(channel, listener);
      };
    },
    close() {
      broadcast?.close();
    },
  };
}
