/**
 * What can be done with the selected items: the job buttons the caller's
 * right and the selection allow (a reader sees only the reading ones), each
 * opening its dialog. The jobs it starts are handed to `onStarted`.
 */
import { useState } from 'react';
import type { Job } from '../../api/types';
import { fitsSelection, JOB_SPECS, type JobSpec } from './job-specs';
import { JobDialog } from './job-dialog';
import { canWrite, hasRight, type Item, type Library } from './library-api';

export function allowedSpecs(library: Library): JobSpec[] {
  return JOB_SPECS.filter((spec) => (spec.needs === 'WRITER' ? canWrite(library) : hasRight(library, 'READER')));
}

export function SelectionActions(props: { library: Library; selection: Item[]; folder: string; onStarted(job: Job): void; onClear(): void }) {
  const { library, selection } = props;
  const [open, setOpen] = useState<JobSpec | null>(null);
  const specs = allowedSpecs(library).filter((spec) => fitsSelection(spec, selection));
  return (
    <div className="selection-bar" role="toolbar" aria-label="Actions on the selection">
      <span className="muted" aria-live="polite">
        {selection.length === 0 ? 'Nothing selected' : `${selection.length} selected`}
      </span>
      {specs.map((spec) => (
        <button key={spec.type} type="button" className={spec.danger ? 'danger' : undefined} onClick={() => setOpen(spec)}>
          {spec.label}
        </button>
      ))}
      {selection.length > 0 && (
        <button type="button" className="link-button" onClick={props.onClear}>
          Clear selection
        </button>
      )}
      {open && (
        <JobDialog
          spec={open}
          library={library}
          selection={selection}
          folder={props.folder}
          onStarted={props.onStarted}
          onClose={() => setOpen(null)}
        />
      )}
    </div>
  );
}
