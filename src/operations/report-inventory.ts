/**
 * An inventory report's bytes: each chunk task writes the rows of one path
 * range (live and trashed items merged in path order, read a page at a
 * time) as a part of the job; the assembly streams the parts, in order,
 * between the format's header and footer into the job's result. Nothing
 * holds more than a page of rows.
 */
import { Readable } from 'node:stream';
import type { Store } from '../store/store.js';
import type { Item } from '../domain/types.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { JobArtifact } from '../store/queries/job-artifacts.js';
import type { InventoryRange } from '../store/queries/item-inventory.js';
import { comparePaths } from './path-order.js';
import { encodeRow, footer, header, INVENTORY_COLUMNS, inventoryRow, separator, type ReportFormat } from './report-format.js';

const PAGE = 500;
const PARTS_PAGE = 1_000;

/** What a chunk wrote: its rows, by kind and state, and their bytes. */
export interface InventoryTally {
  items: number;
  files: number;
  folders: number;
  trashed: number;
  bytes: number;
  trashedBytes: number;
}

export function emptyTally(): InventoryTally {
  return { items: 0, files: 0, folders: 0, trashed: 0, bytes: 0, trashedBytes: 0 };
}

/** The range's items of one kind (live or trashed), by (path, id), a page at a time. */
async function* itemsOf(store: Store, range: InventoryRange, trashed: boolean, signal?: AbortSignal): AsyncGenerator<Item> {
  let after: { path: string; id: number } | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const page = await store.itemListInventory({ ...range, trashed, after, limit: PAGE });
    yield* page;
    if (page.length < PAGE) return;
    const last = page.at(-1)!;
    after = { path: last.path, id: last.id };
  }
}

/** Live before trashed at one path; then by id. */
function before(a: Item, b: Item): boolean {
  const byPath = comparePaths(a.path, b.path);
  if (byPath !== 0) return byPath < 0;
  if ((a.trashedAt === null) !== (b.trashedAt === null)) return a.trashedAt === null;
  return a.id < b.id;
}

/** The range's rows in path order, encoded, with the separators between them (none before the first). */
export async function* inventoryChunk(store: Store, range: InventoryRange, format: ReportFormat, tally: InventoryTally, signal?: AbortSignal): AsyncGenerator<string> {
  const live = itemsOf(store, range, false, signal);
  const trashed = itemsOf(store, range, true, signal);
  let a = await live.next();
  let b = await trashed.next();
  while (!a.done || !b.done) {
    let item: Item;
    if (!a.done && (b.done || before(a.value, b.value))) {
      item = a.value;
      a = await live.next();
    } else {
      item = (b as IteratorYieldResult<Item>).value;
      b = await trashed.next();
    }
    yield (tally.items > 0 ? separator(format) : '') + encodeRow(format, INVENTORY_COLUMNS, inventoryRow(item));
    tally.items++;
    if (item.kind === 'file') tally.files++;
    else tally.folders++;
    if (item.trashedAt !== null) {
      tally.trashed++;
      tally.trashedBytes += item.size;
    }
    tally.bytes += item.kind === 'file' ? item.size : 0;
  }
}

/** The job's parts, in order (descriptors only). */
export async function listParts(store: Store, jobId: number): Promise<JobArtifact[]> {
  const parts: JobArtifact[] = [];
  for (;;) {
    const page = await store.artifactListParts({ jobId, afterPart: parts.at(-1)?.part ?? 0, limit: PARTS_PAGE });
    parts.push(...page);
    if (page.length < PARTS_PAGE) return parts;
  }
}

/** The report: header, the non-empty parts in order (a separator between two), footer. */
export async function* assembleReport(blobs: BlobStore, parts: JobArtifact[], format: ReportFormat, signal?: AbortSignal): AsyncGenerator<Buffer | string> {
  yield header(format, INVENTORY_COLUMNS);
  let any = false;
  for (const part of parts) {
    if (part.size === 0) continue;
    signal?.throwIfAborted();
    if (any) yield separator(format);
    any = true;
    const source = await blobs.openRead(part.sha256);
    for await (const chunk of source as AsyncIterable<Buffer>) yield chunk;
  }
  yield footer(format);
}

export function toStream(source: AsyncGenerator<Buffer | string>): Readable {
  return Readable.from(source, { objectMode: false });
}
