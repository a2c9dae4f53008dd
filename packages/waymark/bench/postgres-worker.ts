/**
 * One worker process of the PostgreSQL bench (forked by postgres-bench.ts from the plain-JS
 * build): `postgres-worker.js <url> <schema> <steps> <concurrency> <workerId>`. Opens the
 * store, starts an engine whose worker executes the no-op workflow, reports `ready` over
 * IPC, and on `stop` stops the engine, closes the store and exits.
 */
import { createEngine } from '../src/index.ts';
import { openPostgresStore } from '../src/storage/postgres/index.ts';
import { noopWorkflow } from './noop-workflow.ts';

export type WorkerMessage = { type: 'ready' } | { type: 'error'; error: string };

const [url, schema, steps, concurrency, workerId] = process.argv.slice(2);
if (url === undefined || schema === undefined || workerId === undefined) {
  throw new Error('usage: postgres-worker <url> <schema> <steps> <concurrency> <workerId>');
}
const send = (message: WorkerMessage): void => void process.send?.(message);
try {
  const store = await openPostgresStore({ url, schema, applicationName: workerId });
  const engine = createEngine({
    store,
    workflows: [noopWorkflow(Number(steps))],
    worker: { workerId, concurrency: Number(concurrency) },
  });
  engine.on((event) => {
    if (event.kind === 'engine-error') send({ type: 'error', error: String(event.error) });
  });
  process.on('message', (message) => {
    if (message !== 'stop') return;
    void engine
      .stop()
      .then(() => store.close())
      .then(() => process.disconnect());
  });
  send({ type: 'ready' });
} catch (error) {
  send({
    type: 'error',
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.disconnect();
}
