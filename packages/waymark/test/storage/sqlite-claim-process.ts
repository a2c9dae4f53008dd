// A separate process for sqlite-store.test.ts: opens the database given as argv[2] (applying
// migrations, racing its siblings), prints "ready", waits for a line on stdin, then claims
// one run at a time until none is due and prints the ids it got as JSON.
import { createInterface } from 'node:readline';
import { openSqliteStore } from '../../src/storage/sqlite/index.ts';

const [path, workerId = 'worker', now = '0'] = process.argv.slice(2);
if (path === undefined) throw new Error('usage: sqlite-claim-process.ts <db> [workerId] [now]');

const store = await openSqliteStore({ path, busyTimeoutMs: 20_000 });
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.close();

const claimed: string[] = [];
for (;;) {
  const runs = await store.claimRuns({ workerId, now: Number(now), leaseMs: 60_000, limit: 1 });
  if (runs.length === 0) break;
  claimed.push(...runs.map((r) => r.id));
}
await store.close();
process.stdout.write(`${JSON.stringify(claimed)}\n`);
