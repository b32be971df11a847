import type { ReactNode } from 'react';

/**
 * A wide table scrolls sideways inside this box on a narrow screen; the box
 * takes the keyboard focus so the arrow keys can scroll it (its table may
 * hold nothing focusable).
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
