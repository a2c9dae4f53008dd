/**
 * Setup file of the "engine on postgres" vitest project (vitest.config.ts): the engine suite
 * (test/runtime) runs unchanged, with every store `createTestEngine` opens being a fresh
 * PostgreSQL store in a schema of the test file (emptied for each engine).
 */
import { setTestEngineStore } from '../../src/testing/test-engine.ts';
import { postgresTestUrl, POSTGRES_URL_VARIABLE, useTestSchema } from './postgres-test-db.ts';

const url = postgresTestUrl();
if (url === undefined) {
  throw new Error(`the "engine on postgres" project needs ${POSTGRES_URL_VARIABLE}`);
}
const db = useTestSchema(url, 'wm_engine');
// No LISTEN/NOTIFY: one engine per test announces its own work in memory, as on SQLite (the
// notifications have tests of their own).
setTestEngineStore(async () => {
  await db.reset();
  return db.open({ notifications: false });
});
