import { useCallback, useEffect, useState } from 'react';
import { api, type RequestOptions } from '../api/client';

export interface ApiState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
  /** Replaces the data (a live update) without a request. */
  setData(update: (current: T | undefined) => T | undefined): void;
}

/**
 * A GET of `path` (null: nothing yet) whenever the path, the query or
 * `refreshKey` changes; the last answer stays shown while the next loads.
 */
export function useApi<T>(path: string | null, query?: RequestOptions['query'], refreshKey: string | number = ''): ApiState<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(path !== null);
  const [generation, setGeneration] = useState(0);
  const queryKey = JSON.stringify(query ?? {});

  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    setLoading(true);
    api<T>(path, { query: JSON.parse(queryKey) as RequestOptions['query'], signal: controller.signal })
      .then((result) => {
        setDataState(result);
        setError(null);
      })
      .catch((caught: unknown) => {
        if (!controller.signal.aborted) setError(caught);
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [path, queryKey, generation, refreshKey]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const setData = useCallback((update: (current: T | undefined) => T | undefined) => setDataState(update), []);
  return { data, error, loading, reload, setData };
}
