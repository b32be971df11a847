/**
 * What the transfer benchmarks share: the same files uploaded into a library
 * over concurrent connections, and written as plain files for the reference
 * tool (cp, zip, rsync) on the same disk; the median of a tool's trials.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EngineTarget } from './engine-target.js';

/** The body of a response with the expected status, or an error naming what failed. */
export function expectStatus<T>(res: { status: number; body: T }, status: number, what: string): T {
  if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  return res.body;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * `files[i]` PUT at `rel(i)` in the library over `connections` keep-alive connections; any status but `status` (201: created;
 * 200: replaced) throws, except a 503 (the database busy, e.g. a SQLite engine thread's long commit on a loaded machine),
 * which is sent again after a pause, as the API asks of its clients, up to 10 times.
 */
export async function uploadFiles(t: EngineTarget, libraryId: string, files: Buffer[], rel: (i: number) => string, connections = 16, status = 201): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < files.length) {
        const i = next++;
        let res = await t.api('PUT', `/api/v1/libraries/${libraryId}/files/${rel(i)}`, files[i]);
        for (let attempt = 1; res.status === 503 && attempt < 10; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
          res = await t.api('PUT', `/api/v1/libraries/${libraryId}/files/${rel(i)}`, files[i]);
        }
        expectStatus(res, status, 'upload');
      }
    }),
  );
}

/** `files[i]` written as a plain file at `dir/rel(i)`. */
export function writePlainFiles(dir: string, files: Buffer[], rel: (i: number) => string): void {
  for (let i = 0; i < files.length; i++) {
    const file = path.join(dir, rel(i));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, files[i]!);
  }
}
