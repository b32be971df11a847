/**
 * The import's directory walk: depth first, names sorted, a folder before its
 * contents, links and FIFOs handed out unfollowed; any cursor it stops at
 * resumes exactly after it (small windows force directory rescans).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirWalk, type WalkCursor, type WalkEntry } from '../../src/operations/dir-walk.js';

describe('DirWalk', () => {
  let root: string;
  beforeEach(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'by-walk-')));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  /** Every entry, in the walk's order, by `find` + sort semantics (depth first, code unit order per directory). */
  function expectedOrder(dir: string, rel = ''): string[] {
    const names = fs.readdirSync(path.join(dir, rel)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return names.flatMap((name) => {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const stats = fs.lstatSync(path.join(dir, childRel));
      return stats.isDirectory() ? [childRel, ...expectedOrder(dir, childRel)] : [childRel];
    });
  }

  async function walkAll(window: number, stopEvery: number): Promise<WalkEntry[]> {
    const out: WalkEntry[] = [];
    let cursor: WalkCursor | null = null;
    for (;;) {
      // A fresh walk per step, from the saved cursor (as a planner after a crash).
      const walk: DirWalk = new DirWalk(root, cursor === null ? null : (JSON.parse(JSON.stringify(cursor)) as WalkCursor), window);
      for (let n = 0; n < stopEvery; n++) {
        const entry = await walk.next(() => {});
        if (!entry) return out;
        out.push(entry);
      }
      cursor = walk.cursor;
    }
  }

  it('walks depth first in sorted order and resumes from any cursor, with windows smaller than a directory', async () => {
    for (let d = 0; d < 4; d++) {
      fs.mkdirSync(path.join(root, `d${d}`, 'inner', 'deeper'), { recursive: true });
      for (let i = 0; i < 23; i++) fs.writeFileSync(path.join(root, `d${d}`, `f${(i * 7) % 23}`), 'x'.repeat(i));
      fs.writeFileSync(path.join(root, `d${d}`, 'inner', 'deeper', 'leaf'), 'leaf');
    }
    fs.mkdirSync(path.join(root, 'empty'));
    fs.mkdirSync(path.join(root, 'B upper'));
    fs.writeFileSync(path.join(root, 'é'), 'e');
    fs.symlinkSync('/etc', path.join(root, 'link'));
    execFileSync('mkfifo', [path.join(root, 'fifo')]);
    const expected = expectedOrder(root);
    for (const [window, stop] of [[1000, 1000], [5, 1], [5, 3], [2, 7], [1, 2]] as const) {
      const walked = await walkAll(window, stop);
      expect(walked.map((e) => e.rel), `window ${window}, step ${stop}`).toEqual(expected);
    }
    const byRel = new Map((await walkAll(1000, 1000)).map((e) => [e.rel, e]));
    expect(byRel.get('link')).toEqual({ rel: 'link', kind: 'link', size: 0 });
    expect(byRel.get('fifo')).toEqual({ rel: 'fifo', kind: 'special', size: 0 });
    expect(byRel.get('d1/f5')).toEqual({ rel: 'd1/f5', kind: 'file', size: fs.statSync(path.join(root, 'd1', 'f5')).size });
    expect(byRel.get('empty')).toEqual({ rel: 'empty', kind: 'folder', size: 0 });
  });

  it('an unreadable folder is reported once and skipped; an empty tree ends at once', async () => {
    expect(await walkAll(10, 10)).toEqual([]);
    fs.mkdirSync(path.join(root, 'a'));
    fs.writeFileSync(path.join(root, 'b'), 'b');
    const walk = new DirWalk(root, null);
    const first = await walk.next(() => {});
    expect(first?.rel).toBe('a');
    fs.rmSync(path.join(root, 'a'), { recursive: true });
    const unreadable: string[] = [];
    expect((await walk.next((rel) => unreadable.push(rel)))?.rel).toBe('b');
    expect(unreadable).toEqual(['a']);
    expect(await walk.next(() => {})).toBeNull();
    expect(walk.done).toBe(true);
  });
});
