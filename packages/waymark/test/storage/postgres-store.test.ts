import { describeStoreConformance } from '../../src/testing/store-conformance.ts';
import { describePostgres, useTestSchema } from './postgres-test-db.ts';

describePostgres('PostgreSQL store', (url) => {
  const db = useTestSchema(url, 'wm_conformance');

  describeStoreConformance('postgres', async () => {
    await db.reset();
    const store = await db.open();
    return { store, cleanup: () => store.close() };
  });
});
