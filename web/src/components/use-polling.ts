import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { usePageVisible } from './use-visibility';

export interface Polled<T> {
  data: T | undefined;
  error: unknown;
  /** when the shown data was fetched (epoch ms) */
  at: number | null;
}

/** GET `path` now and every `intervalMs` while the tab is shown (hidden: no requests; shown again: at once). */
export function usePolling<T>(path: string | null, intervalMs: number): Polled<T> {
  const visible = usePageVisible();
  const [state, setState] = useState<Polled<T>>({ data: undefined, error: null, at: null });
  useEffect(() => {
    if (path === null || !visible) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    const tick = async () => {
      try {
        const data = await api<T>(path, { signal: controller.signal });
        setState({ data, error: null, at: Date.now() });
      } catch (caught) {
        if (controller.signal.aborted) return;
        setState((s) => ({ ...s, error: caught }));
      }
      if (!controller.signal.aborted) timer = setTimeout(() => void tick(), intervalMs);
    };
    void tick();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [path, intervalMs, visible]);
  return state;
}
