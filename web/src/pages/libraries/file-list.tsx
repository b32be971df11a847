/**
 * A folder's items as a virtualized table: only the rows in view (and a few
 * around) are in the page, so a folder of 100,000 items scrolls as one of
 * ten; the next page is read as the reader nears the end. Column headers
 * sort (server-side, keyset-paged in that order); each row has a checkbox,
 * the name (a folder opens, a file opens its bytes), size, time and download.
 */
import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { formatBytes, formatTime } from '../../components/format';
import { Link } from '../../components/link';
import { ItemIcon } from './item-icon';
import { fileUrl, folderHref, type Item, type Order } from './library-api';

const ROW_HEIGHT = 44;
const HEAD_HEIGHT = 40;
/** Read the next page when fewer rows than this remain below the view. */
const PREFETCH_ROWS = 40;

interface Column {
  key: 'name' | 'size' | 'modified';
  label: string;
  className?: string;
}

const COLUMNS: readonly Column[] = [
  { key: 'name', label: 'Name' },
  { key: 'size', label: 'Size', className: 'file-size' },
  { key: 'modified', label: 'Modified', className: 'file-modified hide-narrow' },
];

export interface FileListProps {
  libraryId: string;
  label: string;
  items: Item[];
  hasMore: boolean;
  loading: boolean;
  loadMore(): void;
  order: Order;
  onOrder(order: Order): void;
  selected: { has(id: number): boolean };
  onToggle(item: Item): void;
  onToggleAll(): void;
  downloadable: boolean;
}

function SortHeader({ column, order, onOrder }: { column: Column; order: Order; onOrder(order: Order): void }) {
  const [by, direction] = order.split('_') as [string, 'asc' | 'desc'];
  const active = by === column.key;
  const next: Order = `${column.key}_${active && direction === 'asc' ? 'desc' : 'asc'}`;
  return (
    <span role="columnheader" className={column.className} aria-sort={active ? (direction === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => onOrder(next)}>
        {column.label}
        <span aria-hidden="true">{active ? (direction === 'asc' ? ' ▲' : ' ▼') : ''}</span>
        <span className="visually-hidden">, sort {next.endsWith('asc') ? 'ascending' : 'descending'}</span>
      </button>
    </span>
  );
}

export function FileList(props: FileListProps) {
  const { items, hasMore, loading, loadMore, selected } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    initialRect: { width: 1000, height: 600 },
    getItemKey: (index) => items[index]?.id ?? index,
  });
  const rows = virtualizer.getVirtualItems();
  const lastIndex = rows.at(-1)?.index ?? -1;

  useEffect(() => {
    if (hasMore && !loading && lastIndex >= items.length - PREFETCH_ROWS) loadMore();
  }, [lastIndex, items.length, hasMore, loading, loadMore]);

  const allSelected = items.length > 0 && items.every((item) => selected.has(item.id));
  return (
    <div className="file-scroll" ref={scroller}>
      <div
        role="table"
        aria-label={props.label}
        aria-rowcount={hasMore ? -1 : items.length + 1}
        className="file-table"
        style={{ height: virtualizer.getTotalSize() + HEAD_HEIGHT }}
      >
        <div role="row" aria-rowindex={1} className="file-row file-head" style={{ height: HEAD_HEIGHT }}>
          <span role="columnheader" className="file-check">
            <input type="checkbox" aria-label="Select all shown items" checked={allSelected} disabled={items.length === 0} onChange={props.onToggleAll} />
          </span>
          {COLUMNS.map((column) => (
            <SortHeader key={column.key} column={column} order={props.order} onOrder={props.onOrder} />
          ))}
          <span role="columnheader" className="file-actions">
            <span className="visually-hidden">Actions</span>
          </span>
        </div>
        {rows.map((row) => {
          const item = items[row.index];
          if (!item) return null;
          const isSelected = selected.has(item.id);
          return (
            <div
              key={row.key}
              role="row"
              aria-rowindex={row.index + 2}
              className={`file-row${isSelected ? ' file-selected' : ''}`}
              style={{ height: ROW_HEIGHT, transform: `translateY(${row.start + HEAD_HEIGHT}px)` }}
            >
              <span role="cell" className="file-check">
                <input type="checkbox" aria-label={`Select ${item.name}`} checked={isSelected} onChange={() => props.onToggle(item)} />
              </span>
              <span role="cell" className="file-name">
                <ItemIcon kind={item.kind} />
                {item.kind === 'folder' ? (
                  <Link href={folderHref(props.libraryId, item.path, props.order)}>{item.name}</Link>
                ) : props.downloadable ? (
                  <a href={fileUrl(props.libraryId, item.path)} target="_blank" rel="noreferrer">
                    {item.name}
                  </a>
                ) : (
                  <span>{item.name}</span>
                )}
              </span>
              <span role="cell" className="file-size">
                {item.kind === 'folder' ? '—' : formatBytes(item.size)}
              </span>
              <span role="cell" className="file-modified hide-narrow">
                {formatTime(item.modifiedAt)}
              </span>
              <span role="cell" className="file-actions">
                {item.kind === 'file' && props.downloadable && (
                  <a href={fileUrl(props.libraryId, item.path, true)} download={item.name} aria-label={`Download ${item.name}`}>
                    Download
                  </a>
                )}
              </span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
