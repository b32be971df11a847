/**
 * Whether a local storage location can be used now (LocalBlobStore.check):
 * its directory exists, is a directory, and takes a file. The probe is a
 * temp file (`<root>/tmp/check-<uuid>.tmp`): written, then removed; one a
 * crash strands is swept with the other temp files. The root is never made
 * here: a location whose directory vanished (a volume not mounted, a
 * directory removed) is reported, not quietly started afresh.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const fsp = fs.promises;

/** The error's code (ENOENT, EACCES, EROFS, ENOSPC…) or message, for an operator. */
function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? e.message;
}

export async function checkDirectory(rootDir: string, tmpDir: string, signal?: AbortSignal): Promise<void> {
  let stats: fs.Stats;
  try {
    stats = await fsp.stat(rootDir);
  } catch (error) {
    throw new Error(`directory ${rootDir} is not reachable (${reason(error)})`);
  }
  if (!stats.isDirectory()) throw new Error(`${rootDir} is not a directory`);
  signal?.throwIfAborted();
  const probe = path.join(tmpDir, `check-${crypto.randomUUID()}.tmp`);
  try {
    await fsp.mkdir(tmpDir, { recursive: true });
    await fsp.writeFile(probe, 'batchyard storage check\n', { flag: 'wx', signal });
  } catch (error) {
    await fsp.rm(probe, { force: true }).catch(() => {});
    throw new Error(`directory ${rootDir} is not writable (${reason(error)})`);
  }
  try {
    await fsp.rm(probe);
  } catch (error) {
    throw new Error(`directory ${rootDir}: a written file could not be removed (${reason(error)})`);
  }
}
