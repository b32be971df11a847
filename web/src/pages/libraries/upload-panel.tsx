/**
 * The uploads in progress: one bar for all of them, one per file (the files
 * still moving first, then the failed ones with the server's reason, then a
 * few done ones; a large set shows the first 50 and says how many more).
 */
import { FileProgress } from '../../components/file-progress';
import { formatBytes, formatCount } from '../../components/format';
import type { UploadTask, UploadTotals } from './upload-queue';

const SHOWN = 50;
const RANK: Record<UploadTask['status'], number> = { uploading: 0, failed: 1, queued: 2, done: 3 };

export function UploadPanel(props: { tasks: UploadTask[]; totals: UploadTotals; onClear(): void; onRetry(): void }) {
  const { tasks, totals } = props;
  if (tasks.length === 0) return null;
  const shown = [...tasks].sort((a, b) => RANK[a.status] - RANK[b.status] || a.id - b.id).slice(0, SHOWN);
  const summary = `${formatCount(totals.done)} of ${formatCount(totals.files)} files, ${formatBytes(totals.loaded)} of ${formatBytes(totals.bytes)}`;
  return (
    <section className="upload-panel" aria-labelledby="uploads-heading">
      <div className="row">
        <h2 id="uploads-heading">Uploads</h2>
        <span className="muted" role="status">
          {totals.active ? 'Uploading: ' : 'Finished: '}
          {summary}
          {totals.failed > 0 && `, ${formatCount(totals.failed)} failed`}
        </span>
        {totals.failed > 0 && !totals.active && (
          <button type="button" onClick={props.onRetry}>
            Retry failed
          </button>
        )}
        {!totals.active && (
          <button type="button" onClick={props.onClear}>
            Clear
          </button>
        )}
      </div>
      <FileProgress value={totals.bytes === 0 ? (totals.active ? 0 : 1) : totals.loaded / totals.bytes} label="All uploads" text={summary} />
      <ul className="upload-list">
        {shown.map((task) => (
          <li key={task.id} className={`upload-${task.status}`}>
            <span className="upload-path" title={task.path}>
              {task.path}
            </span>
            {task.status === 'failed' ? (
              <span className="error-note" role="alert">
                {task.error}
              </span>
            ) : (
              <FileProgress
                value={task.status === 'queued' ? null : task.size === 0 ? (task.status === 'done' ? 1 : 0) : task.loaded / task.size}
                label={`Upload of ${task.path}`}
                text={task.status === 'done' ? 'done' : task.status === 'queued' ? 'waiting' : undefined}
              />
            )}
          </li>
        ))}
      </ul>
      {tasks.length > SHOWN && <p className="muted">and {formatCount(tasks.length - SHOWN)} more</p>}
    </section>
  );
}
