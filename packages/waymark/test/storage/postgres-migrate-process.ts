// A separate process for postgres-specifics.test.ts: loads the store, prints "ready", waits for
// a "go" line on stdin, then opens the store on the schema given in argv (applying the
// migrations, racing its siblings), prints "done" and exits.
import { createInterface } from 'node:readline';
import { openPostgresStore } from '../../src/storage/postgres/index.ts';

const [url, schema] = process.argv.slice(2);
if (url === undefined || schema === undefined) {
  throw new Error('usage: postgres-migrate-process.ts <url> <schema>');
}
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.close();
const store = await openPostgresStore({ url, schema, notifications: false, poolSize: 1 });
await store.close();
process.stdout.write('done\n');
