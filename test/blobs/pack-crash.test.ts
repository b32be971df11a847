/**
 * kill -9 of a process writing small blobs into packs (batches of deferred
 * writes, each batch's addresses reported once its persist resolved, as an
 * import task's catalog commit follows it): every blob reported durable reads
 * back with its SHA-256 from another store on the location; then, with the
 * unreferenced ones deleted (what the orphan sweep does), compaction leaves
 * only the live records' bytes, the kept blobs still readable.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), '../support/pack-writer-child.mjs');
const sha = (content: Buffer) => crypto.createHash('sha256').update(content).digest('hex');

describe('packs survive kill -9', { timeout: 120_000 }, () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'by-pack-crash-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('loses no blob reported durable; compaction then reclaims the dead records', async () => {
    const durable = new Set<string>();
    const proc = spawn(process.execPath, [child, root], { stdio: ['ignore', 'pipe', 'pipe'] });
    let errors = '';
    proc.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    let pending = '';
    await new Promise<void>((resolve, reject) => {
      proc.once('exit', () => reject(new Error(`the writer ended by itself: ${errors}`)));
      proc.stdout.on('data', (chunk: Buffer) => {
        const lines = (pending + chunk.toString()).split('\n');
        pending = lines.pop()!;
        for (const line of lines) if (line.startsWith('durable ')) durable.add(line.slice(8));
        // Past a varying count, so the kill lands at a varying point of a batch.
        if (durable.size >= 400 + Math.floor(Math.random() * 400)) {
          proc.kill('SIGKILL');
          resolve();
        }
      });
    });
    await exited;

    const store = new LocalBlobStore('default', root);
    try {
      for (const address of durable) expect(sha(await store.read(address))).toBe(address);
      const stored = (await store.listObjects({ limit: 100_000 })).map((o) => o.sha256);
      expect(stored.length).toBeGreaterThanOrEqual(durable.size);

      // Keep every tenth reported blob; the rest (and whatever was indexed but never reported) goes.
      const kept = [...durable].filter((_, i) => i % 10 === 0);
      for (const address of stored) if (!kept.includes(address)) await store.delete(address);
      const result = await store.compact({ olderThanMs: 0 });
      expect(result.packs).toBeGreaterThan(0);
      for (const address of kept) expect(sha(await store.read(address))).toBe(address);
      const packs = path.join(root, 'packs');
      const packBytes = fs.readdirSync(packs).filter((n) => n.endsWith('.pack')).reduce((sum, n) => sum + fs.statSync(path.join(packs, n)).size, 0);
      const live = (await store.listObjects({ limit: 100_000 })).reduce((sum, o) => sum + 40 + o.size, 0);
      expect(packBytes).toBe(live);
    } finally {
      store.close();
    }
  });
});
