import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import type { Job, JobPage } from '../../api/types';
import { forgetSamples, recordSample } from '../../components/job-rate';
import { isActive } from '../../components/job-vocabulary';
import { useEventStream, type StreamEvent, type StreamState } from '../../components/use-event-stream';
import { filterSearch, jobMatches, type JobFilter } from './job-query';

const PAGE_SIZE = 100;
const FLUSH_MS = 250;

export interface JobPages {
  jobs: Job[];
  /** more pages after the loaded ones */
  hasMore: boolean;
  loading: boolean;
  error: unknown;
  stream: StreamState;
  loadMore(): void;
  reload(): void;
  /** A job as an action answered it (cancel, retry), shown at once. */
  upsert(job: Job): void;
}

/** The fields a status or progress event carries. */
type JobUpdate = Partial<Pick<Job, 'status' | 'counts' | 'bytes' | 'progress' | 'lastActivityAt'>> & { jobId: number };

function merge(job: Job, update: JobUpdate): Job {
  const next = { ...job };
  if (update.status !== undefined) next.status = update.status;
  if (update.counts !== undefined) next.counts = update.counts;
  if (update.bytes !== undefined) next.bytes = update.bytes;
  if (update.progress !== undefined) next.progress = update.progress;
  if (update.lastActivityAt !== undefined) next.lastActivityAt = update.lastActivityAt;
  return next;
}

/**
 * The jobs matching `filter` a keyset page at a time (no count: the first page
 * is all a first paint needs), kept live by the domain's event stream: rows
 * change as their events arrive (gathered for FLUSH_MS, so a busy engine does
 * not re-render per event), and a new job that matches appears on top when the
 * list is newest first. `filter` null: nothing to load yet.
 */
const NO_JOBS: Job[] = [];

export function useJobPages(filter: JobFilter | null): JobPages {
  const [jobs, setJobs] = useState<Job[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);
  const key = filter === null ? null : filterSearch(filter);
  // The filter whose first page has answered (rows or an error). Until then the list is loading,
  // not empty: no flash of "No job matches" or of the last filter's rows before the first page.
  const [settledKey, setSettledKey] = useState<string | null>(null);
  const request = useRef<AbortController | null>(null);
  const pending = useRef(new Map<number, JobUpdate>());
  const filterRef = useRef(filter);
  filterRef.current = filter;

  const fetchPage = useCallback(
    (after: string | null) => {
      if (key === null) return;
      request.current?.abort();
      const controller = new AbortController();
      request.current = controller;
      setLoading(true);
      const search = filterSearch(filterRef.current ?? {}, { limit: PAGE_SIZE, cursor: after });
      api<JobPage>(`/jobs?${search}`, { signal: controller.signal })
        .then((page) => {
          for (const job of page.jobs) if (isActive(job.status)) recordSample(job);
          setJobs((current) => {
            if (after === null) return page.jobs;
            const known = new Set(current.map((j) => j.id));
            return [...current, ...page.jobs.filter((j) => !known.has(j.id))];
          });
          setCursor(page.nextCursor);
          setError(null);
          if (after === null) setSettledKey(key);
        })
        .catch((caught: unknown) => {
          if (controller.signal.aborted) return;
          setError(caught);
          if (after === null) setSettledKey(key);
        })
        .finally(() => {
          if (request.current === controller) {
            request.current = null;
            setLoading(false);
          }
        });
    },
    [key],
  );

  useEffect(() => {
    setJobs([]);
    setCursor(null);
    fetchPage(null);
    return () => request.current?.abort();
  }, [fetchPage, generation]);

  // Gathered events are applied together.
  useEffect(() => {
    const timer = setInterval(() => {
      if (pending.current.size === 0) return;
      const updates = pending.current;
      pending.current = new Map();
      setJobs((current) => current.map((job) => (updates.has(job.id) ? merge(job, updates.get(job.id)!) : job)));
    }, FLUSH_MS);
    return () => clearInterval(timer);
  }, []);

  const shown = useRef(new Set<number>());
  shown.current = new Set(jobs.map((j) => j.id));

  const onEvent = useCallback((event: StreamEvent) => {
    const update = event.data as unknown as JobUpdate;
    if (typeof update.jobId !== 'number') return;
    if (shown.current.has(update.jobId)) {
      const merged = { ...pending.current.get(update.jobId), ...update };
      pending.current.set(update.jobId, merged);
      if (update.counts && update.bytes) recordSample({ id: update.jobId, counts: update.counts, bytes: update.bytes });
      if (update.status !== undefined && !isActive(update.status)) forgetSamples(update.jobId);
      return;
    }
    // A job the list does not show: a new one, on top of a newest-first list if it matches.
    const current = filterRef.current;
    if (event.kind !== 'status' || update.status !== 'queued' || current === null || (current.order ?? 'created_desc') !== 'created_desc') return;
    api<Job>(`/jobs/${update.jobId}`)
      .then((job) => {
        if (filterRef.current !== current || !jobMatches(job, current)) return;
        setJobs((list) => (list.some((j) => j.id === job.id) ? list : [job, ...list]));
      })
      .catch(() => undefined);
  }, []);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const stream = useEventStream(key === null ? null : '/events', onEvent, { onResumeWithoutId: reload });

  const loadMore = useCallback(() => {
    if (cursor !== null && request.current === null) fetchPage(cursor);
  }, [cursor, fetchPage]);

  const upsert = useCallback((job: Job) => {
    setJobs((list) => (list.some((j) => j.id === job.id) ? list.map((j) => (j.id === job.id ? job : j)) : [job, ...list]));
  }, []);

  const settled = key !== null && settledKey === key;
  return { jobs: settled ? jobs : NO_JOBS, hasMore: settled && cursor !== null, loading: loading || (key !== null && !settled), error, stream, loadMore, reload, upsert };
}
