/**
 * A library's snapshots as the API gives them (GET /libraries/{id}/snapshots,
 * …/snapshots/{sid}, …/snapshots/{sid}/items), the addresses of their views,
 * and the jobs the views start (backup, restore_backup).
 */
import { api } from '../../api/client';
import { encodePath, type Item } from './library-api';
import type { JobSpec } from './job-specs';

export interface Snapshot {
  id: number;
  libraryId: string;
  label: string | null;
  path: string;
  storage: string;
  createdAt: string;
  jobId: number | null;
  counts: { files: number; folders: number };
  bytes: number;
  added: number;
  changed: number;
  removed: number;
  rootTree: string;
}

export interface SnapshotItem {
  libraryId: string;
  path: string;
  name: string;
  kind: 'file' | 'folder';
  size: number;
  sha256: string | null;
  contentType: string | null;
  createdAt: string;
  modifiedAt: string;
}

const base = (libraryId: string) => `/libraries/${encodeURIComponent(libraryId)}/snapshots`;

export function listSnapshots(libraryId: string, cursor: string | null, signal?: AbortSignal): Promise<{ snapshots: Snapshot[]; nextCursor: string | null }> {
  return api(base(libraryId), { query: { cursor: cursor ?? undefined, limit: 50 }, signal });
}

export function getSnapshot(libraryId: string, snapshotId: number, signal?: AbortSignal): Promise<Snapshot> {
  return api(`${base(libraryId)}/${snapshotId}`, { signal });
}

export function listSnapshotItems(libraryId: string, snapshotId: number, path: string, cursor: string | null, signal?: AbortSignal): Promise<{ path: string; items: SnapshotItem[]; nextCursor: string | null }> {
  return api(`${base(libraryId)}/${snapshotId}/items`, { query: { path, cursor: cursor ?? undefined, limit: 200 }, signal });
}

export function deleteSnapshot(libraryId: string, snapshotId: number): Promise<void> {
  return api(`${base(libraryId)}/${snapshotId}`, { method: 'DELETE' });
}

/** `/libraries/<id>/snapshots`, or one snapshot's folder (`/libraries/<id>/snapshots/<sid>/a/b`). */
export function snapshotsHref(libraryId: string, snapshotId?: number, path = '/'): string {
  const list = `/libraries/${encodeURIComponent(libraryId)}/snapshots`;
  if (snapshotId === undefined) return list;
  const rest = encodePath(path);
  return `${list}/${snapshotId}${rest === '' ? '' : `/${rest}`}`;
}

/**
 * A snapshot entry as the job dialog's selection (it reads names and paths;
 * a snapshot's entries have no item ids, so the position stands in for one).
 */
export function asSelection(entries: SnapshotItem[]): Item[] {
  return entries.map((entry, index) => ({ ...entry, id: -1 - index, trashedAt: null }));
}

export const BACKUP: JobSpec = {
  type: 'backup',
  label: 'Back up now…',
  needs: 'WRITER',
  selection: 'any',
  confirm: () => 'Take a snapshot of the whole library as it is now? Unchanged folders and files cost nothing in it.',
  fields: [{ name: 'label', label: 'Label (optional)', kind: 'text', optional: true, initial: () => '' }],
  params: (values) => {
    const label = String(values.label ?? '').trim();
    return label === '' ? {} : { label };
  },
};

/** Restores the selected entries of snapshot `snapshotId`: back where they were, or into a folder, here or in another library. */
export function restoreSpec(snapshotId: number): JobSpec {
  return {
    type: 'restore_backup',
    label: 'Restore…',
    needs: 'WRITER',
    selection: 'items',
    confirm: (selection) =>
      `Restore ${selection.length === 1 ? `“${selection[0]!.name}”` : `${selection.length} items`} as they were in this snapshot? Leave the folder empty to put each back where it was.`,
    fields: [
      { name: 'destination', label: 'Into the folder (optional)', kind: 'text', optional: true, help: 'For example /restored. Empty: each goes back to where it was.', initial: () => '' },
      { name: 'targetLibraryId', label: 'In the library', kind: 'library', initial: () => '' },
      {
        name: 'onConflict',
        label: 'When a name is taken',
        kind: 'select',
        options: [
          { value: 'fail', label: 'Fail that item' },
          { value: 'rename', label: 'Keep both (rename the restored one)' },
          { value: 'overwrite', label: 'Overwrite (the live one goes to the trash)' },
          { value: 'skip', label: 'Skip it' },
        ],
        initial: () => 'fail',
      },
    ],
    params: (values, selection) => {
      const destination = String(values.destination ?? '').trim();
      const params: Record<string, unknown> = { snapshotId, paths: selection.map((entry) => entry.path), onConflict: values.onConflict };
      if (destination !== '') params.destination = destination;
      const target = String(values.targetLibraryId ?? '');
      if (target !== '' && target !== selection[0]?.libraryId) params.targetLibraryId = target;
      return params;
    },
  };
}
