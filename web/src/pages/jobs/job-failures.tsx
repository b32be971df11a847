import { useEffect, useState } from 'react';
import { api } from '../../api/client';
import { downloadText, toCsv } from '../../components/csv';
import { ErrorNote } from '../../components/error-note';
import { formatCount, formatTime } from '../../components/format';
import { TableScroll } from '../../components/table-scroll';

interface Failure {
  itemId: number | null;
  path: string;
  code: string;
  message: string;
  attempts: number;
  failedAt: string | null;
}

interface FailurePage {
  failures: Failure[];
  nextCursor: string | null;
}

const PAGE_SIZE = 50;
const CSV_PAGE_SIZE = 1000;
const CSV_HEADER = ['path', 'itemId', 'code', 'message', 'attempts', 'failedAt'];

/**
 * The job's per-item failures, a keyset page at a time (Next, and Previous by
 * the cursors already walked), and all of them as a CSV file written in the
 * browser from every page.
 */
export function JobFailures({ jobId, failed, version }: { jobId: number; failed: number; version: string }) {
  /** cursors of the pages walked so far: [null, c1, c2…]; the last is the shown page's */
  const [trail, setTrail] = useState<Array<string | null>>([null]);
  const [page, setPage] = useState<FailurePage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [csv, setCsv] = useState<{ rows: number } | null>(null);
  const [csvError, setCsvError] = useState<unknown>(null);
  const cursor = trail[trail.length - 1] ?? null;

  useEffect(() => {
    const controller = new AbortController();
    api<FailurePage>(`/jobs/${jobId}/failures`, { query: { limit: PAGE_SIZE, cursor }, signal: controller.signal })
      .then((next) => {
        setPage(next);
        setError(null);
      })
      .catch((caught: unknown) => !controller.signal.aborted && setError(caught));
    return () => controller.abort();
  }, [jobId, cursor, version]);

  const downloadCsv = async () => {
    setCsvError(null);
    setCsv({ rows: 0 });
    try {
      const rows: unknown[][] = [];
      let after: string | null = null;
      do {
        const next: FailurePage = await api<FailurePage>(`/jobs/${jobId}/failures`, { query: { limit: CSV_PAGE_SIZE, cursor: after } });
        for (const f of next.failures) rows.push([f.path, f.itemId, f.code, f.message, f.attempts, f.failedAt]);
        setCsv({ rows: rows.length });
        after = next.nextCursor;
      } while (after !== null);
      downloadText(`job-${jobId}-failures.csv`, toCsv(CSV_HEADER, rows));
    } catch (caught) {
      setCsvError(caught);
    } finally {
      setCsv(null);
    }
  };

  const failures = page?.failures ?? [];
  return (
    <section aria-labelledby="failures-heading">
      <h2 id="failures-heading">Failed items ({formatCount(failed)})</h2>
      <ErrorNote error={error} />
      {failures.length === 0 && !error ? (
        <p className="muted">{page === null ? 'Loading…' : 'No item failed.'}</p>
      ) : (
        <>
          <TableScroll label="Failed items, scrollable">
            <table aria-labelledby="failures-heading" className="failures-table">
              <thead>
                <tr>
                  <th scope="col">Path</th>
                  <th scope="col">Error</th>
                  <th scope="col" className="hide-narrow">
                    Attempts
                  </th>
                  <th scope="col" className="hide-narrow">
                    Failed at
                  </th>
                </tr>
              </thead>
              <tbody>
                {failures.map((f, index) => (
                  <tr key={`${f.path}-${index}`}>
                    <td className="path-cell">{f.path}</td>
                    <td>
                      <code>{f.code}</code> {f.message}
                    </td>
                    <td className="hide-narrow">{f.attempts}</td>
                    <td className="hide-narrow">{f.failedAt ? <time dateTime={f.failedAt}>{formatTime(f.failedAt)}</time> : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          <nav className="row pager" aria-label="Failed items pages">
            <button type="button" className="small" disabled={trail.length <= 1} onClick={() => setTrail((t) => t.slice(0, -1))}>
              Previous page
            </button>
            <span className="muted">Page {trail.length}</span>
            <button type="button" className="small" disabled={!page?.nextCursor} onClick={() => page?.nextCursor && setTrail((t) => [...t, page.nextCursor])}>
              Next page
            </button>
            <button type="button" className="small" disabled={csv !== null} onClick={() => void downloadCsv()}>
              {csv === null ? 'Download CSV' : `Preparing CSV (${formatCount(csv.rows)} rows)…`}
            </button>
          </nav>
          <ErrorNote error={csvError} />
        </>
      )}
    </section>
  );
}
