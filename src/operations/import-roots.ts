/**
 * Where an import may read on the server: only under the operator's import
 * roots (BATCHYARD_IMPORT_ROOTS). A directory is judged by its real path
 * (symbolic links and `..` resolved), so a link or a `..` leading outside a
 * root is refused like any other path outside (403). Files are opened for
 * reading only once they are proven inside the walked directory: the parent
 * directory's real path must be the one the walk expects (no link swapped in
 * since), the file itself is opened with O_NOFOLLOW and O_NONBLOCK (a link
 * fails, a FIFO does not block), must be a regular file, and where /proc
 * tells what an open descriptor points at, that path is checked too — all
 * before a single byte is read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ForbiddenError, NotFoundError, UnprocessableError } from '../domain/errors.js';

/** `child` is `parent` or below it (both absolute and normalized). */
export function isWithin(parent: string, child: string): boolean {
  if (child === parent) return true;
  const prefix = parent.endsWith(path.sep) ? parent : parent + path.sep;
  return child.startsWith(prefix);
}

function outside(given: string, field: string, resolved?: string): ForbiddenError {
  const where = resolved !== undefined && resolved !== given ? ` (it resolves to '${resolved}')` : '';
  return new ForbiddenError(`${field}: '${given}'${where} is not under an import root the operator allows (BATCHYARD_IMPORT_ROOTS)`, {
    field,
    rule: 'BATCHYARD_IMPORT_ROOTS',
  });
}

/** The real paths of the roots that exist (a root missing on this server allows nothing). */
async function realRoots(roots: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const root of roots) {
    const real = await fs.promises.realpath(root).catch(() => undefined);
    if (real !== undefined) out.push(real);
  }
  return out;
}

/**
 * The real path of directory `given` when it lies under a root; 403 when it
 * does not (or no root is configured), 404 when it does not exist, 422 when
 * it is not a directory.
 */
export async function resolveImportDirectory(roots: readonly string[], given: string, field = 'params.source.path'): Promise<string> {
  if (!path.isAbsolute(given)) throw new UnprocessableError(`${field}: '${given}' is not an absolute path`, { field });
  if (given.includes('\0')) throw new UnprocessableError(`${field}: a path cannot contain NUL`, { field });
  const reals = await realRoots(roots);
  if (reals.length === 0) throw new ForbiddenError(`${field}: this server allows no import from its directories (BATCHYARD_IMPORT_ROOTS is empty)`, { field, rule: 'BATCHYARD_IMPORT_ROOTS' });
  const lexical = path.resolve(given);
  if (!roots.some((root) => isWithin(path.resolve(root), lexical)) && !reals.some((root) => isWithin(root, lexical))) throw outside(given, field);
  let real: string;
  try {
    real = await fs.promises.realpath(lexical);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${field}: '${given}' does not exist`, { field });
    throw new ForbiddenError(`${field}: '${given}' cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { field });
  }
  if (!reals.some((root) => isWithin(root, real))) throw outside(given, field, real);
  const stats = await fs.promises.stat(real);
  if (!stats.isDirectory()) throw new UnprocessableError(`${field}: '${given}' is not a directory`, { field });
  return real;
}

/** Why a file of the walked tree is not read: a stable code and a message (a per-item failure). */
export class UnsafeFileError extends Error {
  constructor(
    readonly code: 'OUTSIDE_IMPORT_ROOT' | 'SYMLINK' | 'SPECIAL_FILE' | 'NOT_FOUND',
    message: string,
  ) {
    super(message);
  }
}

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);
const HAS_PROC_FD = fs.existsSync('/proc/self/fd');

/**
 * Opens `rel` (segments joined by '/') under `dir` for reading, proven to be
 * a regular file inside `dir` (see the module comment); the caller closes the
 * descriptor. Throws UnsafeFileError otherwise, having read nothing.
 */
export async function openInside(dir: string, rel: string): Promise<{ fd: number; stats: fs.Stats }> {
  const segments = rel.split('/');
  const expectedParent = path.join(dir, ...segments.slice(0, -1));
  const file = path.join(expectedParent, segments.at(-1)!);
  // Where /proc/self/fd tells what was opened, that check (below) covers a folder on the way
  // swapped for a link too; elsewhere the folder's real path is checked first (a race remains).
  if (!HAS_PROC_FD) {
    let parentReal: string;
    try {
      parentReal = fs.realpathSync.native(expectedParent);
    } catch {
      throw new UnsafeFileError('NOT_FOUND', `'${rel}' is no longer there`);
    }
    if (parentReal !== expectedParent) {
      throw new UnsafeFileError('OUTSIDE_IMPORT_ROOT', `'${rel}': its folder now resolves to '${parentReal}' (a symbolic link); nothing was read`);
    }
  }
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') throw new UnsafeFileError('SYMLINK', `'${rel}' is a symbolic link (links are not followed); nothing was read`);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UnsafeFileError('NOT_FOUND', `'${rel}' is no longer there`);
    throw error;
  }
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) throw new UnsafeFileError('SPECIAL_FILE', `'${rel}' is not a regular file; nothing was read`);
    if (HAS_PROC_FD) {
      const opened = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (opened !== file) throw new UnsafeFileError('OUTSIDE_IMPORT_ROOT', `'${rel}' opened as '${opened}', not inside the imported folder; nothing was read`);
    }
    return { fd, stats };
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}
