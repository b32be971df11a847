import type { ComponentType } from 'react';
import { AdminPage } from './pages/admin/admin-page';
import { EnginePage } from './pages/engine/engine-page';
import { JobPage } from './pages/jobs/job-page';
import { JobsPage } from './pages/jobs/jobs-page';
import { LibrariesPage } from './pages/libraries/libraries-page';
import { LibraryPage } from './pages/libraries/library-page';
import { SchedulePage } from './pages/schedules/schedule-page';
import { SchedulesPage } from './pages/schedules/schedules-page';
import { WebhookPage } from './pages/webhooks/webhook-page';
import { WebhooksPage } from './pages/webhooks/webhooks-page';

export interface Route {
  pattern: string;
  page: ComponentType<{ params: Record<string, string> }>;
}

/**
 * Every page's address. A page reads the rest of its state (filters, sort,
 * cursor, tab) from the query string, so each view is a URL.
 *
 * /libraries/:libraryId/* serves the file browser (`files/a/b`), the trash
 * (`trash`) and settings (`settings`): LibraryPage reads `*`.
 */
export const ROUTES: readonly Route[] = [
  { pattern: '/jobs', page: JobsPage },
  { pattern: '/jobs/:jobId', page: JobPage },
  { pattern: '/libraries', page: LibrariesPage },
  { pattern: '/libraries/:libraryId/*', page: LibraryPage },
  { pattern: '/schedules', page: SchedulesPage },
  { pattern: '/schedules/:scheduleId', page: SchedulePage },
  { pattern: '/webhooks', page: WebhooksPage },
  { pattern: '/webhooks/:webhookId', page: WebhookPage },
  { pattern: '/engine', page: EnginePage },
  { pattern: '/admin/*', page: AdminPage },
];
