/** Prints each Store method and the driver-suite files with a case for it: `npx vite-node test/store/print-store-coverage.ts`. */
import { Store } from '../../src/store/store.js';
import { createSqliteDriver } from '../../src/store/drivers/sqlite/sqlite-driver.js';
import { storeCoverage } from './store-coverage.js';

const driver = createSqliteDriver({ filename: ':memory:' });
try {
  const rows = storeCoverage(new Store(driver));
  for (const row of rows) console.log(`${row.files.length > 0 ? ' ' : '✗'} ${row.method.padEnd(28)} ${row.files.join(', ')}`);
  const missing = rows.filter((r) => r.files.length === 0).length;
  console.log(`${rows.length} methods: ${rows.length - missing} with a case, ${missing} without`);
} finally {
  await driver.close();
}
