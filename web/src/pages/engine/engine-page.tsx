import { lazy, Suspense, useState } from 'react';
import './engine.css';
import { ErrorNote } from '../../components/error-note';
import { formatCount, formatTime } from '../../components/format';
import { Loading } from '../../components/loading';
import { useLibraries } from '../../components/use-libraries';
import { usePolling } from '../../components/use-polling';
import { useSignedIn } from '../../session/session-context';
import { QueueTable, WorkersTable } from './engine-tables';
import type { EngineStats, EngineWorker } from './engine-types';

/** uPlot comes with the chart, in its own chunk: only this page loads it. */
const ThroughputChart = lazy(() => import('./throughput-chart'));

const POLL_MS = 5000;
const WINDOWS: ReadonlyArray<[number, string]> = [
  [900, '15 minutes'],
  [3600, '1 hour'],
  [6 * 3600, '6 hours'],
  [24 * 3600, '24 hours'],
];

/**
 * /engine (administrators): the engine processes at work, the queue by job,
 * throughput per job type over the last hour, lease rescues and retries;
 * read again every 5 s while the tab is shown.
 */
export function EnginePage(_props: { params: Record<string, string> }) {
  const { user } = useSignedIn();
  const isAdmin = user.role === 'admin' || user.role === 'super_admin';
  const [windowS, setWindowS] = useState(3600);
  const workers = usePolling<{ workers: EngineWorker[] }>(isAdmin ? '/engine/workers' : null, POLL_MS);
  const stats = usePolling<EngineStats>(isAdmin ? `/engine/stats?window=${windowS}` : null, POLL_MS);
  const { libraries } = useLibraries();

  if (!isAdmin) {
    return (
      <>
        <h1>Engine</h1>
        <p className="notice">The engine page is for administrators.</p>
      </>
    );
  }

  return (
    <>
      <h1>Engine</h1>
      <p className="muted" aria-live="off">
        {stats.at !== null ? `Updated ${formatTime(stats.at)}; refreshed every 5 seconds while this tab is shown.` : 'Loading…'}
      </p>

      <section aria-labelledby="workers-heading">
        <h2 id="workers-heading">Engines</h2>
        <ErrorNote error={workers.error} />
        {workers.data ? <WorkersTable workers={workers.data.workers} now={workers.at ?? Date.now()} /> : !workers.error && <Loading label="Loading engines…" />}
      </section>

      <section aria-labelledby="throughput-heading">
        <div className="row section-heading">
          <h2 id="throughput-heading">Throughput</h2>
          <label className="inline-label">
            Window
            <select value={windowS} onChange={(event) => setWindowS(Number(event.target.value))}>
              {WINDOWS.map(([seconds, label]) => (
                <option key={seconds} value={seconds}>
                  {label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <ErrorNote error={stats.error} />
        {stats.data && (
          <>
            <dl className="counters">
              <div>
                <dt>Lease rescues</dt>
                <dd>{formatCount(stats.data.totals.rescues)}</dd>
              </div>
              <div>
                <dt>Task retries</dt>
                <dd>{formatCount(stats.data.totals.retries)}</dd>
              </div>
              <div>
                <dt>Items</dt>
                <dd>{formatCount(stats.data.buckets.reduce((sum, b) => sum + b.items, 0))}</dd>
              </div>
            </dl>
            <Suspense fallback={<Loading label="Loading the chart…" />}>
              <ThroughputChart buckets={stats.data.buckets} windowS={stats.data.window} generatedAt={stats.data.generatedAt} />
            </Suspense>
          </>
        )}
      </section>

      <section aria-labelledby="queue-heading">
        <h2 id="queue-heading">Queue</h2>
        {stats.data ? <QueueTable queue={stats.data.queue} libraries={libraries} /> : !stats.error && <Loading label="Loading the queue…" />}
      </section>
    </>
  );
}
