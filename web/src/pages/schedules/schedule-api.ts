/**
 * Schedules as the dashboard reads them (GET/POST/PATCH/DELETE /api/v1/schedules,
 * …/run, …/fires; docs/schedules.md), what it may offer on one, and a cron
 * expression in words where that is easy.
 */
import type { SessionUser } from '../../api/types';
import { JOB_TYPES, SOURCE_RIGHT } from '../../components/job-vocabulary';
import type { LibrarySummary } from '../../components/use-libraries';

export type FireOutcome = 'started' | 'skipped' | 'failed' | (string & {});

export interface Schedule {
  id: number;
  libraryId: string;
  type: string;
  params: Record<string, unknown>;
  cron: string;
  timeZone: string;
  overlap: 'skip' | 'queue';
  catchUp: 'once' | 'none';
  enabled: boolean;
  createdBy: number;
  createdAt: string;
  updatedAt: string;
  nextFires: string[];
  lastFire: { at: string; outcome: FireOutcome; jobId: number | null; error: string | null } | null;
}

export interface SchedulePage {
  schedules: Schedule[];
  nextCursor: string | null;
}

export interface Fire {
  id: number;
  fireAt: string;
  kind: 'tick' | 'run_now';
  outcome: FireOutcome;
  jobId: number | null;
  error: string | null;
  recordedAt: string;
}

export interface FirePage {
  fires: Fire[];
  nextCursor: string | null;
}

/**
 * The job types the form offers: the server's, less noop (a benchmark type) and
 * restore_backup (it names one snapshot, so it is not a thing to repeat).
 */
export const SCHEDULE_TYPES: readonly string[] = [...JOB_TYPES.filter((t) => t !== 'noop'), 'backup', 'retention'];

/** The library right a type needs on its library (the server's sourceRight: WRITER unless named). */
const NEEDS: Readonly<Record<string, 'READER' | 'WRITER'>> = { ...SOURCE_RIGHT };
const RANK: Record<string, number> = { READER: 1, WRITER: 2, ADMIN: 3 };

export interface ScheduleRights {
  isAdmin: boolean;
  /** Run now, enable/disable: the server checks the submission with the caller's rights. */
  canSubmit(libraryId: string, type: string): boolean;
  /** The types the caller may schedule on that library. */
  typesFor(libraryId: string): string[];
  /** The libraries the caller may schedule anything on. */
  libraries: LibrarySummary[];
}

export function scheduleRights(user: SessionUser, libraries: readonly LibrarySummary[] | undefined): ScheduleRights {
  const isAdmin = user.role === 'admin' || user.role === 'super_admin';
  const rank = (libraryId: string) => RANK[libraries?.find((l) => l.libraryId === libraryId)?.currentUserRight ?? ''] ?? 0;
  const canSubmit = (libraryId: string, type: string) => isAdmin || rank(libraryId) >= RANK[NEEDS[type] ?? 'WRITER']!;
  const typesFor = (libraryId: string) => SCHEDULE_TYPES.filter((type) => canSubmit(libraryId, type));
  return { isAdmin, canSubmit, typesFor, libraries: (libraries ?? []).filter((l) => isAdmin || rank(l.libraryId) >= RANK.READER!) };
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const NICKNAMES: Record<string, string> = {
  '@yearly': 'every year on 1 January at 00:00',
  '@annually': 'every year on 1 January at 00:00',
  '@monthly': 'on the 1st of every month at 00:00',
  '@weekly': 'every Sunday at 00:00',
  '@daily': 'every day at 00:00',
  '@midnight': 'every day at 00:00',
  '@hourly': 'every hour, on the hour',
};

const isNumber = (field: string) => /^\d{1,2}$/.test(field);
const two = (n: string) => n.padStart(2, '0');

/**
 * The common shapes of a cron expression in words ("every day at 02:00",
 * "every Monday at 06:30", "every 15 minutes"); null for anything else (the
 * page then shows the expression alone). Never a guess: what is not matched
 * exactly is not described.
 */
export function cronInWords(expression: string): string | null {
  const trimmed = expression.trim().toLowerCase();
  if (NICKNAMES[trimmed]) return NICKNAMES[trimmed];
  let fields = trimmed.split(/\s+/);
  if (fields.length === 6) {
    if (fields[0] !== '0') return null;
    fields = fields.slice(1);
  }
  if (fields.length !== 5) return null;
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  if (month !== '*') return null;
  const step = /^\*\/(\d{1,2})$/;
  if (hour === '*' && dom === '*' && dow === '*') {
    if (minute === '*') return 'every minute';
    const every = step.exec(minute);
    if (every) return `every ${every[1]} minutes`;
    if (isNumber(minute)) return minute === '0' ? 'every hour, on the hour' : `every hour at minute ${Number(minute)}`;
    return null;
  }
  if (!isNumber(minute) || !isNumber(hour) || Number(hour) > 23 || Number(minute) > 59) return null;
  const at = `at ${two(hour)}:${two(minute)}`;
  if (dom === '*' && dow === '*') return `every day ${at}`;
  if (dom === '*' && /^[0-7]$/.test(dow)) return `every ${DAYS[Number(dow) % 7]} ${at}`;
  if (dom === '*' && dow === '1-5') return `every weekday ${at}`;
  if (dow === '*' && isNumber(dom) && Number(dom) >= 1 && Number(dom) <= 31) return `on day ${Number(dom)} of every month ${at}`;
  return null;
}

/** The browser's own IANA zone (UTC when it does not say). */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export const OUTCOME_WORDS: Record<string, string> = { started: 'started', skipped: 'skipped', failed: 'failed' };
