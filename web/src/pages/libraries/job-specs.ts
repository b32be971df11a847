/**
 * The jobs a selection can start from the file browser: what each needs
 * (right, selection), the fields its dialog asks, and its params from them.
 * The server checks everything again; these only decide what is offered.
 */
import type { Item } from './library-api';

export type FieldValue = string | boolean;

export interface FieldSpec {
  /** the params key (the server names it `params.<name>` in an error) */
  name: string;
  label: string;
  kind: 'text' | 'select' | 'checkbox' | 'library';
  options?: ReadonlyArray<{ value: string; label: string }>;
  help?: string;
  /** a text field that may be left empty */
  optional?: boolean;
  initial(selection: Item[], folder: string): FieldValue;
}

export interface JobSpec {
  type: string;
  /** the button's words */
  label: string;
  /** the right on this library the job needs */
  needs: 'READER' | 'WRITER';
  /** `items`: one or more selected; `file`/`folder`: exactly one of that kind; `any`: none (the current folder) or one folder */
  selection: 'items' | 'file' | 'any';
  danger?: boolean;
  /** a sentence the dialog says before starting (jobs with no fields ask for confirmation) */
  confirm?: (selection: Item[]) => string;
  fields: FieldSpec[];
  params(values: Record<string, FieldValue>, selection: Item[], folder: string): Record<string, unknown>;
}

const ON_CONFLICT: FieldSpec = {
  name: 'onConflict',
  label: 'When a name is taken',
  kind: 'select',
  options: [
    { value: 'fail', label: 'Fail that item' },
    { value: 'skip', label: 'Skip it' },
    { value: 'overwrite', label: 'Overwrite (the old one goes to the trash)' },
    { value: 'rename', label: 'Keep both (rename the new one)' },
  ],
  initial: () => 'fail',
};

const ids = (selection: Item[]) => selection.map((item) => item.id);
const count = (selection: Item[]) => (selection.length === 1 ? `“${selection[0]!.name}”` : `${selection.length} items`);
/** The one folder selected, else the folder on screen. */
const scope = (selection: Item[], folder: string) => (selection.length === 1 && selection[0]!.kind === 'folder' ? selection[0]!.path : folder);
const text = (values: Record<string, FieldValue>, name: string) => String(values[name] ?? '').trim();
const optionalPath = (path: string) => (path === '/' ? {} : { path });

function copyMove(type: 'copy' | 'move'): JobSpec {
  return {
    type,
    label: type === 'copy' ? 'Copy…' : 'Move…',
    needs: type === 'copy' ? 'READER' : 'WRITER',
    selection: 'items',
    fields: [
      { name: 'targetLibraryId', label: 'Into the library', kind: 'library', initial: () => '' },
      { name: 'destination', label: 'Into the folder', kind: 'text', help: 'a path such as /archive/2026 (created if missing)', initial: (_s, folder) => folder },
      ON_CONFLICT,
    ],
    params: (values, selection) => ({
      itemIds: ids(selection),
      destination: text(values, 'destination'),
      ...(text(values, 'targetLibraryId') === '' ? {} : { targetLibraryId: text(values, 'targetLibraryId') }),
      onConflict: values.onConflict,
    }),
  };
}

export const JOB_SPECS: readonly JobSpec[] = [
  copyMove('copy'),
  copyMove('move'),
  {
    type: 'trash',
    label: 'Trash',
    needs: 'WRITER',
    selection: 'items',
    confirm: (selection) => `Move ${count(selection)} to the trash? They can be restored from the trash.`,
    fields: [],
    params: (_values, selection) => ({ itemIds: ids(selection) }),
  },
  {
    type: 'purge',
    label: 'Purge',
    needs: 'WRITER',
    selection: 'items',
    danger: true,
    confirm: (selection) => `Delete ${count(selection)} for good? This cannot be undone.`,
    fields: [],
    params: (_values, selection) => ({ itemIds: ids(selection) }),
  },
  {
    type: 'export',
    label: 'Export as zip',
    needs: 'READER',
    selection: 'items',
    confirm: (selection) => `Pack ${count(selection)} into a zip file to download when the job is done?`,
    fields: [],
    params: (_values, selection) => ({ paths: selection.map((item) => item.path), format: 'zip' }),
  },
  {
    type: 'extract',
    label: 'Extract…',
    needs: 'WRITER',
    selection: 'file',
    fields: [
      {
        name: 'destination',
        label: 'Into the folder',
        kind: 'text',
        help: 'created if missing',
        initial: (selection, folder) => `${folder === '/' ? '' : folder}/${(selection[0]?.name ?? 'archive').replace(/\.(zip|tar|tar\.gz|tgz)$/i, '')}`,
      },
      ON_CONFLICT,
    ],
    params: (values, selection) => ({ path: selection[0]!.path, destination: text(values, 'destination'), onConflict: values.onConflict }),
  },
  {
    type: 'report',
    label: 'Report…',
    needs: 'READER',
    selection: 'any',
    fields: [
      {
        name: 'kind',
        label: 'Report',
        kind: 'select',
        options: [
          { value: 'inventory', label: 'Inventory (every item)' },
          { value: 'permissions', label: 'Permissions' },
        ],
        initial: () => 'inventory',
      },
      { name: 'format', label: 'Format', kind: 'select', options: [{ value: 'csv', label: 'CSV' }, { value: 'json', label: 'JSON' }], initial: () => 'csv' },
    ],
    params: (values, selection, folder) => ({ ...optionalPath(scope(selection, folder)), kind: values.kind, format: values.format }),
  },
  {
    type: 'verify',
    label: 'Verify…',
    needs: 'READER',
    selection: 'any',
    fields: [{ name: 'repair', label: 'Repair what can be repaired (library admins)', kind: 'checkbox', initial: () => false }],
    params: (values, selection, folder) => ({ ...optionalPath(scope(selection, folder)), repair: values.repair === true }),
  },
  {
    type: 'replicate',
    label: 'Replicate…',
    needs: 'READER',
    selection: 'any',
    fields: [
      { name: 'targetLibraryId', label: 'Mirror into the library', kind: 'library', initial: () => '' },
      { name: 'targetPath', label: 'Mirror into the folder', kind: 'text', initial: () => '/' },
      { name: 'deleteExtraneous', label: 'Trash what the mirror has and this folder lacks', kind: 'checkbox', initial: () => false },
      { name: 'dryRun', label: 'Dry run (report, change nothing)', kind: 'checkbox', initial: () => false },
    ],
    params: (values, selection, folder) => {
      const source = scope(selection, folder);
      return {
        targetLibraryId: text(values, 'targetLibraryId'),
        ...(source === '/' ? {} : { sourcePath: source }),
        ...(text(values, 'targetPath') === '' || text(values, 'targetPath') === '/' ? {} : { targetPath: text(values, 'targetPath') }),
        deleteExtraneous: values.deleteExtraneous === true,
        dryRun: values.dryRun === true,
      };
    },
  },
];

/** Whether a job can start from this selection. */
export function fitsSelection(spec: JobSpec, selection: Item[]): boolean {
  if (spec.selection === 'items') return selection.length > 0;
  if (spec.selection === 'file') return selection.length === 1 && selection[0]!.kind === 'file';
  return selection.length === 0 || (selection.length === 1 && selection[0]!.kind === 'folder');
}
