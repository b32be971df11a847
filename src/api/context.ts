/** What route plugins receive: the services, wired once in src/app.ts. */
import type { AuthService } from '../services/auth-service.js';
import type { UserService } from '../services/user-service.js';
import type { LibraryService } from '../services/library-service.js';
import type { ItemService } from '../services/item-service.js';
import type { Store } from '../store/store.js';
import type { JobService } from '../services/job-service.js';
import type { EventFeedService } from '../services/event-feed.js';
import type { ArtifactService } from '../services/artifact-service.js';
import type { UploadService } from '../services/upload-service.js';
import type { SessionService } from '../services/session-service.js';
import type { SavedViewService } from '../services/saved-view-service.js';
import type { WebhookService } from '../services/webhook-service.js';
import type { JobActionService } from '../services/job-actions.js';
import type { EngineService } from '../services/engine-service.js';
import type { JobTimelineService } from '../services/job-timeline.js';
import type { ScheduleService } from '../services/schedule-service.js';
import type { Readiness } from '../services/readiness.js';

export interface ApiContext {
  store: Store;
  auth: AuthService;
  users: UserService;
  libraries: LibraryService;
  items: ItemService;
  jobs: JobService;
  /** Gap-free job event feeds (the SSE routes). */
  events: EventFeedService;
  /** Job results (an export's zip, a report) and signed links to them. */
  artifacts: ArtifactService;
  /** tus uploads (an archive to import): owners, limits, expiry. */
  uploads: UploadService;
  /** The dashboard's sign-in sessions (the session cookie). */
  sessions: SessionService;
  /** Each user's saved job-list queries. */
  savedViews: SavedViewService;
  /** The domain's webhooks, their deliveries and replays (administrators). */
  webhooks: WebhookService;
  /** Cancel or retry every job a filter (or a list of ids) selects. */
  jobActions: JobActionService;
  /** The engines at work, their throughput and the queue (administrators). */
  engineInfo: EngineService;
  /** A job's status changes and its tasks' failed attempts, as JSON pages. */
  timeline: JobTimelineService;
  /** Schedules: jobs fired by cron expressions (firing itself is the engine's, through ScheduleFiring). */
  schedules: ScheduleService;
  /** Whether this process can serve now (GET /readyz): the database and every storage location. */
  readiness: Readiness;
}
