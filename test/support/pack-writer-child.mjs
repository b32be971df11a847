// A process writing small blobs to a storage location, for the packs' crash test, from the built
// code (npm test builds first): batches of deferred writes made durable by persist, each batch's
// addresses printed (`durable <sha256>`) only once persist has resolved, plus in each batch one
// write released before persist (bytes appended, never indexed). Runs until it is killed.
import crypto from 'node:crypto';
import { LocalBlobStore } from '../../dist/blobs/local-blob-store.js';

const store = new LocalBlobStore('default', process.argv[2]);
const content = (n) => Buffer.from(crypto.createHash('sha256').update(`blob ${n}`).digest('hex').repeat(1 + (n % 60)));
for (let n = 0; ; ) {
  const batch = [];
  for (let i = 0; i < 40; i++) batch.push(await store.writeBuffer(content(n++), { defer: true }));
  const dropped = await store.writeBuffer(crypto.randomBytes(3000), { defer: true });
  await dropped.pin.release();
  await store.persist(batch);
  process.stdout.write(batch.map((w) => `durable ${w.sha256}\n`).join(''));
  for (const w of batch) await w.pin.release();
}
