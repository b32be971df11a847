/** What the library and admin browser tests share: a folder tree on disk to upload, file-list reading, waiting, docs screenshots. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';

/** Writes `files` (relative path → content) under a new temp directory's `root` folder; returns the folder's path. */
export function folderOnDisk(root: string, files: Record<string, string | Buffer>): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-upload-')), root);
  for (const [relative, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    fs.writeFileSync(path.join(dir, relative), content);
  }
  return dir;
}

/** The names of the file browser's rows, in their order on screen. */
export function rowNames(page: Page): Promise<string[]> {
  return page.locator('.file-row:not(.file-head) .file-name > :last-child').allInnerTexts();
}

/** Polls `read` until `accept` takes its value; fails with the last value after `timeoutMs`. */
export async function until<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** With BATCHYARD_SCREENSHOTS=1, saves the page as docs/screenshots/<name> (for the docs; not on every run). */
export async function docsScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.BATCHYARD_SCREENSHOTS !== '1') return;
  const dir = new URL('../../docs/screenshots/', import.meta.url).pathname;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name), fullPage: false });
}

/** Whether the page is no wider than its viewport (nothing scrolls sideways at phone width). */
export function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
}
