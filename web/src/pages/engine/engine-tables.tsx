import { formatAgo, formatCount, formatTime } from '../../components/format';
import { Link } from '../../components/link';
import { TableScroll } from '../../components/table-scroll';
import { StatusBadge } from '../../components/status-badge';
import { libraryName, type LibrarySummary } from '../../components/use-libraries';
import type { EngineWorker, QueueEntry } from './engine-types';

/** Each engine process: who it is, since when, what it holds, when it last beat. */
export function WorkersTable({ workers, now }: { workers: readonly EngineWorker[]; now: number }) {
  if (workers.length === 0) return <p className="muted">No engine has registered yet.</p>;
  return (
    <TableScroll label="Engines, scrollable">
      <table aria-labelledby="workers-heading">
        <thead>
          <tr>
            <th scope="col">Engine</th>
            <th scope="col">State</th>
            <th scope="col" className="hide-narrow">
              Host
            </th>
            <th scope="col" className="hide-narrow">
              PID
            </th>
            <th scope="col" className="hide-narrow">
              Started
            </th>
            <th scope="col">Tasks held</th>
            <th scope="col">Last heartbeat</th>
          </tr>
        </thead>
        <tbody>
          {workers.map((w) => (
            <tr key={w.id}>
              <td>
                <code className="worker-id">{w.id}</code>
                <div className="muted">
                  {w.kind} {w.version}
                </div>
              </td>
              <td>
                <span className={`status worker-${w.state}`}>{w.state}</span>
              </td>
              <td className="hide-narrow">{w.host}</td>
              <td className="hide-narrow">{w.pid}</td>
              <td className="hide-narrow">
                <time dateTime={w.startedAt}>{formatTime(w.startedAt)}</time>
              </td>
              <td>{formatCount(w.tasksHeld)}</td>
              <td>
                <time dateTime={w.lastHeartbeatAt} title={formatTime(w.lastHeartbeatAt)}>
                  {formatAgo(w.lastHeartbeatAt, now)}
                </time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** The jobs with tasks, deepest queue first. */
export function QueueTable({ queue, libraries }: { queue: readonly QueueEntry[]; libraries: readonly LibrarySummary[] | undefined }) {
  if (queue.length === 0) return <p className="muted">No job is waiting for the engine.</p>;
  return (
    <TableScroll label="Queue, scrollable">
      <table aria-labelledby="queue-heading">
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Status</th>
            <th scope="col" className="hide-narrow">
              Library
            </th>
            <th scope="col">Tasks ready</th>
            <th scope="col">Tasks running</th>
            <th scope="col" className="hide-narrow">
              Items ready
            </th>
          </tr>
        </thead>
        <tbody>
          {queue.map((q) => (
            <tr key={q.jobId}>
              <td>
                <Link href={`/jobs/${q.jobId}`}>
                  {q.type} #{q.jobId}
                </Link>
              </td>
              <td>
                <StatusBadge status={q.status} />
              </td>
              <td className="hide-narrow">{libraryName(libraries, q.libraryId)}</td>
              <td>{formatCount(q.ready)}</td>
              <td>{formatCount(q.running)}</td>
              <td className="hide-narrow">{q.readyItems === undefined ? '—' : formatCount(q.readyItems)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
