/**
 * What the library pages read from the API (the server's OpenAPI document is
 * the reference), the addresses of their views, and what a right allows.
 */
import { api, apiUrl } from '../../api/client';
import type { Job } from '../../api/types';
import { hrefOf } from '../../router';

export type LibraryRight = 'NONE' | 'READER' | 'WRITER' | 'ADMIN' | 'SUPER_ADMIN';

export interface LibraryPermission {
  type: 'user' | 'domain';
  value: string;
  role: 'READER' | 'WRITER' | 'ADMIN';
}

export interface Library {
  libraryId: string;
  name: string;
  state: 'INITIALIZING' | 'STANDARD' | 'ARCHIVED' | 'DELETING';
  currentUserRight: LibraryRight;
  usage: { items: number; bytes: number };
  daysBeforeDelete: number;
  restrictedDownload: boolean;
  findableBy: 'READERS' | 'CONTRIBUTORS' | 'ADMINS' | 'NONE';
  objectStorageLocation: string;
  permissions: LibraryPermission[];
  createdAt: number;
  lastModified: number;
}

export interface Item {
  id: number;
  libraryId: string;
  path: string;
  name: string;
  kind: 'file' | 'folder';
  size: number;
  sha256: string | null;
  contentType: string | null;
  createdAt: string;
  modifiedAt: string;
  trashedAt: string | null;
}

export interface ItemPage {
  items: Item[];
  nextCursor: string | null;
}

export const ORDERS = ['name_asc', 'name_desc', 'size_asc', 'size_desc', 'modified_asc', 'modified_desc'] as const;
export type Order = (typeof ORDERS)[number];

export function orderOf(value: string | null): Order {
  return (ORDERS as readonly string[]).includes(value ?? '') ? (value as Order) : 'name_asc';
}

const RANK: Record<LibraryRight, number> = { NONE: 0, READER: 1, WRITER: 2, ADMIN: 3, SUPER_ADMIN: 4 };

export function hasRight(library: Library, needed: 'READER' | 'WRITER' | 'ADMIN'): boolean {
  return RANK[library.currentUserRight] >= RANK[needed];
}

/** Content changes: WRITER on a STANDARD library (an archived one is read-only). */
export function canWrite(library: Library): boolean {
  return hasRight(library, 'WRITER') && library.state === 'STANDARD';
}

export function canDownload(library: Library): boolean {
  return library.restrictedDownload ? hasRight(library, 'WRITER') : hasRight(library, 'READER');
}

/** `/a/b c` → `a/b%20c` (each segment encoded; the server refuses encoded slashes). */
export function encodePath(path: string): string {
  return path
    .split('/')
    .filter((segment) => segment !== '')
    .map(encodeURIComponent)
    .join('/');
}

/** Joins a folder and a relative path (`/a` + `b/c.txt` → `/a/b/c.txt`). */
export function joinPath(folder: string, relative: string): string {
  const parts = [...folder.split('/'), ...relative.split('/')].filter((segment) => segment !== '');
  return `/${parts.join('/')}`;
}

export function libraryHref(libraryId: string, view: 'files' | 'trash' | 'settings' = 'files'): string {
  return `/libraries/${encodeURIComponent(libraryId)}/${view}`;
}

export function folderHref(libraryId: string, path: string, order?: Order): string {
  const rest = encodePath(path);
  return hrefOf(`${libraryHref(libraryId)}${rest === '' ? '' : `/${rest}`}`, { order: order === 'name_asc' ? undefined : order });
}

/** The API address of a file's bytes (`download` asks for an attachment). */
export function fileUrl(libraryId: string, path: string, download = false): string {
  return apiUrl(`/libraries/${encodeURIComponent(libraryId)}/files/${encodePath(path)}`, { download: download ? 'true' : undefined });
}

export function getLibrary(libraryId: string, signal?: AbortSignal): Promise<Library> {
  return api<Library>(`/libraries/${encodeURIComponent(libraryId)}`, { signal });
}

export function listChildren(libraryId: string, p: { path: string; order: Order; cursor?: string | null; limit?: number }, signal?: AbortSignal): Promise<ItemPage> {
  return api<ItemPage>(`/libraries/${encodeURIComponent(libraryId)}/items`, {
    query: { path: p.path, order: p.order === 'name_asc' ? undefined : p.order, cursor: p.cursor ?? undefined, limit: p.limit ?? 200 },
    signal,
  });
}

export function listTrash(libraryId: string, cursor: string | null, signal?: AbortSignal): Promise<ItemPage> {
  return api<ItemPage>(`/libraries/${encodeURIComponent(libraryId)}/trash`, { query: { cursor: cursor ?? undefined, limit: 200 }, signal });
}

export function createFolder(libraryId: string, path: string): Promise<Item> {
  return api<Item>(`/libraries/${encodeURIComponent(libraryId)}/folders`, { method: 'POST', body: { path } });
}

export function submitJob(type: string, libraryId: string, params: Record<string, unknown>): Promise<Job> {
  return api<Job>('/jobs', { method: 'POST', body: { type, libraryId, params } });
}
