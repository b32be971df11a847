/**
 * What the query bar offers for the token under the caret: keys while a key is
 * typed (`sta` → `status:`), then that key's values (statuses, job types,
 * library names, requestors, dates, orders). Accepting one replaces the token.
 */
import { JOB_ORDERS, JOB_STATUSES, JOB_TYPES, statusLabel } from '../../components/job-vocabulary';
import type { LibrarySummary } from '../../components/use-libraries';
import { quoteIfNeeded, tokenize } from './job-query';

export interface Suggestion {
  /** what the option shows */
  label: string;
  /** a short explanation beside it */
  hint: string;
  /** the token's new text */
  replacement: string;
  /** whether the token is complete (a space follows it) */
  complete: boolean;
}

export interface Completion {
  start: number;
  end: number;
  suggestions: Suggestion[];
}

export interface CompletionContext {
  libraries: readonly LibrarySummary[] | undefined;
  /** requestors seen in the loaded jobs, and the signed-in user */
  requestors: readonly string[];
}

const KEY_SUGGESTIONS: ReadonlyArray<{ text: string; hint: string }> = [
  { text: 'status:', hint: 'queued, running, completed…; several with commas' },
  { text: 'type:', hint: 'copy, move, export…' },
  { text: 'library:', hint: 'a library by name' },
  { text: 'requestor:', hint: 'who submitted it (email)' },
  { text: 'created>=', hint: 'created on or after a date' },
  { text: 'created<', hint: 'created before a date' },
  { text: 'order:', hint: 'newest first by default' },
];

const MAX = 12;

function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function daysAgo(n: number): string {
  const date = new Date();
  date.setDate(date.getDate() - n);
  return isoDay(date);
}

function values(key: string, context: CompletionContext): Array<{ value: string; hint: string }> {
  switch (key) {
    case 'status':
      return JOB_STATUSES.map((s) => ({ value: s, hint: statusLabel(s) }));
    case 'type':
      return JOB_TYPES.map((t) => ({ value: t, hint: 'job type' }));
    case 'library':
      return (context.libraries ?? []).map((l) => ({ value: l.name, hint: l.libraryId }));
    case 'requestor':
      return context.requestors.map((r) => ({ value: r, hint: 'requestor' }));
    case 'created':
      return [
        { value: daysAgo(0), hint: 'today' },
        { value: daysAgo(1), hint: 'yesterday' },
        { value: daysAgo(7), hint: 'a week ago' },
        { value: daysAgo(30), hint: '30 days ago' },
      ];
    case 'order':
      return JOB_ORDERS.map((o) => ({ value: o, hint: o.replace(/_/g, ' ') }));
    default:
      return [];
  }
}

/** The suggestions for the token at `caret` (an empty token when the caret is between tokens). */
export function completeAt(text: string, caret: number, context: CompletionContext): Completion {
  const token = tokenize(text).find((t) => t.start <= caret && caret <= t.end) ?? { text: '', start: caret, end: caret, key: '', op: '', value: '' };
  const typed = token.text.slice(0, caret - token.start);
  if (token.op === '' || caret - token.start <= token.key.length) {
    const prefix = typed.toLowerCase();
    const suggestions = KEY_SUGGESTIONS.filter((k) => k.text.startsWith(prefix) && k.text !== prefix).map((k) => ({ label: k.text, hint: k.hint, replacement: k.text, complete: false }));
    return { start: token.start, end: token.end, suggestions };
  }
  const head = `${token.key}${token.op}`;
  let value = token.value;
  let kept = '';
  if (token.key === 'status') {
    // status:running,que → complete the last of the list
    const comma = value.lastIndexOf(',');
    kept = comma >= 0 ? value.slice(0, comma + 1) : '';
    value = value.slice(comma + 1);
  }
  const prefix = value.toLowerCase();
  const already = new Set(kept.split(',').filter(Boolean));
  const suggestions = values(token.key, context)
    .filter((v) => v.value.toLowerCase().includes(prefix) && v.value.toLowerCase() !== prefix && !already.has(v.value))
    .sort((a, b) => Number(!a.value.toLowerCase().startsWith(prefix)) - Number(!b.value.toLowerCase().startsWith(prefix)))
    .slice(0, MAX)
    .map((v) => ({ label: v.value, hint: v.hint, replacement: `${head}${kept}${quoteIfNeeded(v.value)}`, complete: true }));
  return { start: token.start, end: token.end, suggestions };
}

/** The text with the completion applied, and where the caret goes. */
export function applySuggestion(text: string, completion: Completion, suggestion: Suggestion): { text: string; caret: number } {
  const before = text.slice(0, completion.start);
  const after = text.slice(completion.end);
  const spacer = suggestion.complete && !after.startsWith(' ') ? ' ' : '';
  const next = `${before}${suggestion.replacement}${spacer}${after}`;
  return { text: next, caret: before.length + suggestion.replacement.length + spacer.length };
}
