/** A folder or file glyph beside an item's name (decorative: the name and the column say the rest). */
export function ItemIcon({ kind }: { kind: 'file' | 'folder' }) {
  return (
    <svg className={`item-icon item-icon-${kind}`} aria-hidden="true" focusable="false" width="16" height="16" viewBox="0 0 16 16">
      {kind === 'folder' ? (
        <path d="M1.5 3.5h4.5l1.5 1.5h7v8h-13z" fill="currentColor" />
      ) : (
        <path d="M3.5 1.5h6l3 3v10h-9z M9.5 1.5v3h3" fill="none" stroke="currentColor" strokeWidth="1.2" strokeLinejoin="round" />
      )}
    </svg>
  );
}
