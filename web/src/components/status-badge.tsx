import { statusLabel } from './job-vocabulary';
import './job-ui.css';

/** A job's status as a coloured pill (colour is never the only cue: the word is there). */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`status status-${status}`}>{statusLabel(status)}</span>;
}
