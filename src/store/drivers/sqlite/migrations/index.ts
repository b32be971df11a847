/** SQLite's migrations, in order. Add a file `NNNN-name.ts` and list it here. */
import type { Migration } from '../../../driver.js';
import * as m0001 from './0001-init.js';
import * as m0002 from './0002-item-content-type.js';
import * as m0003 from './0003-jobs.js';
import * as m0004 from './0004-job-targets.js';
import * as m0005 from './0005-server-keys-failure-times.js';
import * as m0006 from './0006-job-listing-cover.js';
import * as m0007 from './0007-event-xid-job-clocks.js';
import * as m0008 from './0008-job-artifacts.js';
import * as m0009 from './0009-uploads.js';
import * as m0010 from './0010-library-usage.js';
import * as m0011 from './0011-saved-views.js';
import * as m0012 from './0012-engine-workers.js';
import * as m0013 from './0013-schedules.js';
import * as m0014 from './0014-webhooks.js';
import * as m0015 from './0015-snapshots.js';
import * as m0016 from './0016-library-retention.js';
import * as m0017 from './0017-item-changes.js';
import * as m0019 from './0019-jobs-claim-index.js';
import * as m0020 from './0020-item-changes-live-parents.js';

export const sqliteMigrations: readonly Migration[] = [
  { version: 1, ...m0001 },
  { version: 2, ...m0002 },
  { version: 3, ...m0003 },
  { version: 4, ...m0004 },
  { version: 5, ...m0005 },
  { version: 6, ...m0006 },
  { version: 7, ...m0007 },
  { version: 8, ...m0008 },
  { version: 9, ...m0009 },
  { version: 10, ...m0010 },
  { version: 11, ...m0011 },
  { version: 12, ...m0012 },
  { version: 13, ...m0013 },
  { version: 14, ...m0014 },
  { version: 15, ...m0015 },
  { version: 16, ...m0016 },
  { version: 17, ...m0017 },
  { version: 19, ...m0019 },
  { version: 20, ...m0020 },
];
