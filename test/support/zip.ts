/** Reading archives back in tests: a zip's entries with yauzl, a directory tree, both as comparable lists. */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import yauzl from 'yauzl';

/** Whether the system `unzip` is installed (tests that use it say so when it is not). */
export const HAS_UNZIP = (() => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export type Tree = Map<string, Buffer | null>;

/** Every entry of a zip file, read with yauzl: name → bytes (folders, ending in '/': null). */
export async function readZip(file: string): Promise<Tree> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true, strictFileNames: true });
  const out: Tree = new Map();
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) {
        out.set(entry.fileName, null);
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
      out.set(entry.fileName, Buffer.concat(chunks));
    }
  } finally {
    zip.close();
  }
  return out;
}

/** A directory as name → bytes (folders, ending in '/': null), names relative to `root`. */
export function walkTree(root: string, rel = ''): Tree {
  const out: Tree = new Map();
  for (const d of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const name = rel === '' ? d.name : `${rel}/${d.name}`;
    if (d.isDirectory()) {
      out.set(`${name}/`, null);
      for (const [k, v] of walkTree(root, name)) out.set(k, v);
    } else out.set(name, fs.readFileSync(path.join(root, name)));
  }
  return out;
}

/** A tree as sorted [name, sha256 | null] pairs, for equality checks that print well. */
export function treeDigest(tree: Tree): Array<[string, string | null]> {
  return [...tree.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => [k, v === null ? null : crypto.createHash('sha256').update(v).digest('hex')]);
}
