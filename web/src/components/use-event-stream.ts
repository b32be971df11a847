import { useEffect, useRef, useState } from 'react';
import { apiUrl } from '../api/client';
import { usePageVisible } from './use-visibility';

/**
 * One of the server's Server-Sent Event streams (/api/v1/events, or a job's
 * /api/v1/jobs/{id}/events) while the tab is shown. Hiding the tab closes the
 * stream; showing it again reopens it after the last event id received
 * (`?lastEventId=`, the query twin of the Last-Event-ID header that
 * EventSource itself sends on its own reconnects), so nothing is missed.
 */

export interface StreamEvent {
  id: number | null;
  kind: string;
  data: Record<string, unknown>;
}

export type StreamState = 'connecting' | 'live' | 'paused' | 'ended' | 'failed';

export interface EventStreamOptions {
  /** Event names to listen to (default status and progress). */
  kinds?: readonly string[];
  /** An event after which the stream is done (a job's final status): it is closed and not reopened. */
  isLast?: (event: StreamEvent) => boolean;
  /** Reopened after a pause with no event id to resume from: the caller reloads what it shows. */
  onResumeWithoutId?: () => void;
}

export function useEventStream(path: string | null, onEvent: (event: StreamEvent) => void, options: EventStreamOptions = {}): StreamState {
  const visible = usePageVisible();
  const [state, setState] = useState<StreamState>('connecting');
  const lastId = useRef<number | null>(null);
  const ended = useRef(false);
  const opened = useRef(false);
  const handlers = useRef({ onEvent, options });
  handlers.current = { onEvent, options };
  const kinds = (options.kinds ?? ['status', 'progress']).join(',');

  // A new stream (another job): start afresh.
  useEffect(() => {
    lastId.current = null;
    ended.current = false;
    opened.current = false;
  }, [path]);

  useEffect(() => {
    if (path === null || ended.current) return;
    if (!visible) {
      setState('paused');
      return;
    }
    const resuming = opened.current;
    const source = new EventSource(apiUrl(path, lastId.current === null ? {} : { lastEventId: lastId.current }));
    opened.current = true;
    if (resuming && lastId.current === null) handlers.current.options.onResumeWithoutId?.();
    setState('connecting');
    const listener = (message: MessageEvent<string>) => {
      const id = message.lastEventId === '' ? null : Number(message.lastEventId);
      if (id !== null && Number.isFinite(id)) lastId.current = id;
      let data: Record<string, unknown>;
      try {
        data = JSON.parse(message.data) as Record<string, unknown>;
      } catch {
        return;
      }
      const event = { id, kind: message.type, data };
      setState('live');
      handlers.current.onEvent(event);
      if (handlers.current.options.isLast?.(event)) {
        ended.current = true;
        source.close();
        setState('ended');
      }
    };
    const names = kinds.split(',');
    for (const name of names) source.addEventListener(name, listener);
    source.onopen = () => setState('live');
    source.onerror = () => {
      if (ended.current) return;
      // CONNECTING: the browser retries on its own with Last-Event-ID. CLOSED: the server refused (401, 404).
      setState(source.readyState === EventSource.CLOSED ? 'failed' : 'connecting');
    };
    return () => {
      for (const name of names) source.removeEventListener(name, listener);
      source.close();
    };
  }, [path, visible, kinds]);

  return state;
}
