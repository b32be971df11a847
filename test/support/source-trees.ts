/**
 * Directory trees on disk for import tests: made with known bytes, walked
 * back (every folder and file, with each file's SHA-256), and compared with
 * what a library holds under a folder (its items, and the bytes its blobs
 * hold, re-hashed).
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { App } from '../../src/app.js';

export type TreeListing = Map<string, 'folder' | string>;

const sha256 = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');

/** `folders` folders (two levels: f<i>/sub) of `filesPerFolder` files each, bytes derived from the path and `seed`, plus an empty folder and a few odd names. */
export function makeSourceTree(root: string, folders: number, filesPerFolder: number, seed = 'x'): void {
  fs.mkdirSync(root, { recursive: true });
  for (let f = 0; f < folders; f++) {
    const dir = path.join(root, `folder ${f}`, f % 2 === 0 ? 'sub' : 'autre été');
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < filesPerFolder; i++) {
      const bytes = crypto.createHash('sha512').update(`${seed}:${f}:${i}`).digest();
      fs.writeFileSync(path.join(dir, `file-${i}.bin`), Buffer.concat([bytes, Buffer.alloc(i * 37, f)]));
    }
  }
  fs.mkdirSync(path.join(root, 'empty'), { recursive: true });
  fs.writeFileSync(path.join(root, 'top.txt'), `top ${seed}\n`);
  fs.writeFileSync(path.join(root, 'zero bytes'), '');
}

/** Every folder and file under `root` (relative, '/'-joined) → 'folder' or the file's SHA-256; symbolic links are left out. */
export function walkTree(root: string): TreeListing {
  const out: TreeListing = new Map();
  const visit = (dir: string, rel: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        out.set(childRel, 'folder');
        visit(full, childRel);
      } else if (entry.isFile()) {
        out.set(childRel, sha256(fs.readFileSync(full)));
      }
    }
  };
  visit(root, '');
  return out;
}

/**
 * What the library holds under `folder` (live items, relative paths) →
 * 'folder' or the SHA-256 of the bytes its blob store returns for the file,
 * which must equal the catalog's sha256 (else the test sees `mismatch:`).
 */
export async function libraryTree(app: App, libraryId: string, folder: string): Promise<TreeListing> {
  const library = (await app.store.libraryGetById(libraryId))!;
  const blobs = app.blobStores.get(library.storage);
  const prefix = `${folder}/`;
  const rows = await app.driver.db
    .selectFrom('items')
    .select(['path', 'kind', 'sha256'])
    .where('library_id', '=', libraryId)
    .where('trashed_at', 'is', null)
    .orderBy('path')
    .execute();
  const out: TreeListing = new Map();
  for (const row of rows) {
    if (!row.path.startsWith(prefix)) continue;
    const rel = row.path.slice(prefix.length);
    if (row.kind === 'folder') {
      out.set(rel, 'folder');
      continue;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of await blobs.openRead(row.sha256!)) chunks.push(chunk as Buffer);
    const actual = sha256(Buffer.concat(chunks));
    out.set(rel, actual === row.sha256 ? actual : `mismatch: catalog ${row.sha256} bytes ${actual}`);
  }
  return out;
}

/** Both listings sorted, for a readable toEqual. */
export function sorted(listing: TreeListing): Array<[string, string]> {
  return [...listing].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
