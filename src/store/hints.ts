/**
 * Hints: the short typed messages a Notifier carries between engine parts,
 * threads and processes. A hint only says "something new"; listeners re-read
 * state, so a lost hint delays and never corrupts. Each topic has its own
 * channel; this module is the one place a hint becomes text and text a hint.
 */

/** One message per topic (the `topic` field tells them apart). */
export type Hint =
  /** An event was appended to the job event log (at its transaction's commit). */
  | { topic: 'job-event'; eventId: number; jobId: number; domainId: number }
  /** There may be work: a new job, tasks planned, a retry due. Wakes idle workers. */
  | { topic: 'work'; jobId: number }
  /** A webhook delivery is due now (recorded or replayed). Wakes the engines' webhook senders. */
  | { topic: 'webhook'; webhookId: number };

export type HintTopic = Hint['topic'];
export type HintOf<T extends HintTopic> = Extract<Hint, { topic: T }>;

/** The channel each topic travels on (LISTEN/NOTIFY names; a test schema prefixes them). */
export const HINT_CHANNELS: { readonly [T in HintTopic]: string } = {
  'job-event': 'batchyard_jobs',
  work: 'batchyard_work',
  webhook: 'batchyard_webhooks',
};

/** The fields of each topic, all non-negative integers. */
const FIELDS: { readonly [T in HintTopic]: ReadonlyArray<Exclude<keyof HintOf<T>, 'topic'>> } = {
  'job-event': ['eventId', 'jobId', 'domainId'],
  work: ['jobId'],
  webhook: ['webhookId'],
};

export function isHintTopic(value: unknown): value is HintTopic {
  return typeof value === 'string' && Object.hasOwn(FIELDS, value);
}

/** The hint as text (JSON; well under PostgreSQL's 8000-byte NOTIFY payload limit). */
export function encodeHint(hint: Hint): string {
  return JSON.stringify(hint);
}

/** The hint a text carries, or undefined when it is not one (unparsable, unknown topic, a field missing or not an id). */
export function decodeHint(text: string): Hint | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const topic = (value as { topic?: unknown }).topic;
  if (!isHintTopic(topic)) return undefined;
  const hint: Record<string, unknown> = { topic };
  for (const field of FIELDS[topic] as readonly string[]) {
    const n = (value as Record<string, unknown>)[field];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return undefined;
    hint[field] = n;
  }
  return hint as Hint;
}
