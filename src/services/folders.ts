/** Folder paths inside a transaction: find or create (`mkdir -p`), and free names for `rename` conflicts. */
import type { Store } from '../store/store.js';
import type { Item, Library } from '../domain/types.js';
import { ConflictError } from '../domain/errors.js';
import { joinPath } from '../domain/item-path.js';

/** The live folder at `segments`, creating missing ones; 409 if a file is in the way. */
export async function ensureFolder(tx: Store, library: Pick<Library, 'id' | 'rootFolderId'>, segments: string[], now: number): Promise<Item> {
  const direct = await tx.itemGetByPath({ libraryId: library.id, path: joinPath(segments) });
  if (direct) {
    if (direct.kind !== 'folder') throw new ConflictError(`'${direct.path}' is a file, not a folder`, { path: direct.path });
    return direct;
  }
  const root = await tx.itemGetById({ libraryId: library.id, id: library.rootFolderId });
  if (!root) throw new ConflictError('the library has no root folder yet; retry');
  let parent: Item = root;
  for (let depth = 1; depth <= segments.length; depth++) {
    const path = joinPath(segments.slice(0, depth));
    const name = segments[depth - 1]!;
    const folder: Item | undefined =
      (await tx.itemInsertIfAbsent({ libraryId: library.id, parentId: parent.id, name, path, kind: 'folder', size: 0, sha256: null, contentType: null, now })) ??
      (await tx.itemGetByPath({ libraryId: library.id, path }));
    if (!folder) throw new ConflictError(`'${path}' changed concurrently; retry`, { path });
    if (folder.kind !== 'folder') throw new ConflictError(`'${path}' is a file, not a folder`, { path });
    parent = folder;
  }
  return parent;
}

/** `name`, or `stem (n).ext` with the smallest n ≥ 1 not taken in `folderPath`. */
export async function freeName(tx: Store, libraryId: string, folderPath: string, name: string): Promise<string> {
  const prefix = folderPath === '/' ? '/' : `${folderPath}/`;
  if (!(await tx.itemGetByPath({ libraryId, path: prefix + name }))) return name;
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 1; n < 10_000; n++) {
    const candidate = `${stem} (${n})${ext}`;
    if (!(await tx.itemGetByPath({ libraryId, path: prefix + candidate }))) return candidate;
  }
  throw new ConflictError(`no free name for '${name}' in '${folderPath}'`, { path: prefix + name });
}
