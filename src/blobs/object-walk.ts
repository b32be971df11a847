/**
 * A resumable walk of a content-addressed tree (`objects/ab/cd/<sha256>`) in
 * address order: one chunk per call, reading one directory at a time, so a
 * store of millions of blobs is swept in bounded memory. Names that are not
 * a blob at its own address are skipped (never reported, never removed).
 */
import fs from 'node:fs';
import path from 'node:path';

const HEX2 = /^[0-9a-f]{2}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

async function sortedNames(dir: string): Promise<string[]> {
  try {
    return (await fs.promises.readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export interface WalkedObject {
  sha256: string;
  size: number;
  mtimeMs: number;
}

/** Up to `limit` blobs under `objectsDir` after the address `after` (or from the start). */
export async function walkObjects(objectsDir: string, p: { after?: string; limit: number }): Promise<WalkedObject[]> {
  const after = p.after ?? '';
  const [ab0, cd0] = [after.slice(0, 2), after.slice(2, 4)];
  const out: WalkedObject[] = [];
  for (const ab of (await sortedNames(objectsDir)).filter((n) => HEX2.test(n) && n >= ab0)) {
    for (const cd of (await sortedNames(path.join(objectsDir, ab))).filter((n) => HEX2.test(n) && (ab > ab0 || n >= cd0))) {
      const dir = path.join(objectsDir, ab, cd);
      for (const name of await sortedNames(dir)) {
        if (!SHA256_HEX.test(name) || !name.startsWith(ab + cd) || name <= after) continue;
        const stats = fs.statSync(path.join(dir, name), { throwIfNoEntry: false });
        if (!stats?.isFile()) continue;
        out.push({ sha256: name, size: stats.size, mtimeMs: stats.mtimeMs });
        if (out.length >= p.limit) return out;
      }
    }
  }
  return out;
}
