/**
 * A worker process for the crash and concurrency tests (spawned by child-worker.ts, never
 * imported): `node --import tsx worker-process.ts '<WorkerConfig as JSON>'`.
 *
 * stdout protocol, one line each: `ready` once the store is open (with `gate`, the worker
 * starts claiming only after a `go` line on stdin), then `result <json>` when every run it
 * waits for is terminal, and it exits 0. Engine errors go to stderr as diagnostics.
 * As a test script, not library code, it may call process.exit.
 */
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { createEngine, isTerminalStatus, type RunRecord, type Store } from '../../src/index.ts';
import { openPostgresStore } from '../../src/storage/postgres/index.ts';
import { openSqliteStore } from '../../src/storage/sqlite/index.ts';
import { ledgerWorkflow, type WorkerConfig } from './ledger.ts';

/** A safety net: a worker the test lost track of does not outlive it for long. */
const MAX_LIFETIME_MS = 120_000;

async function openStore(config: WorkerConfig): Promise<Store & { close(): Promise<void> }> {
  if (config.postgres === undefined) {
    return openSqliteStore({ path: config.dbPath, synchronous: 'FULL' });
  }
  return openPostgresStore({
    ...config.postgres,
    poolSize: 4,
    applicationName: config.workerId,
  });
}

async function main(config: WorkerConfig): Promise<void> {
  const store = await openStore(config);
  const workflow = ledgerWorkflow({
    ...config.workflow,
    ledgerPath: config.ledgerPath,
    workerId: config.workerId,
    afterStep: (i) => {
      if (i === config.killAfterStep) process.kill(process.pid, 'SIGKILL');
    },
  });
  const stdin = createInterface({ input: process.stdin });
  const go = new Promise<void>((resolve) => stdin.on('line', (line) => line === 'go' && resolve()));
  const stop = new Promise<void>((resolve) =>
    stdin.on('line', (line) => line === 'stop' && resolve()),
  );
  // The parent closing our stdin means it is gone: do not linger as an orphan.
  stdin.on('close', () => exit(2, 'stdin closed'));
  print('ready');
  if (config.gate) await go;

  const engine = createEngine({
    store,
    workflows: [workflow],
    worker: {
      workerId: config.workerId,
      leaseMs: config.leaseMs,
      pollMs: config.pollMs ?? 50,
      concurrency: config.concurrency,
      shutdownGraceMs: 0,
    },
  });
  engine.on((event) => {
    if (event.kind === 'engine-error') {
      process.stderr.write(`engine-error ${event.operation}: ${String(event.error)}\n`);
    }
  });

  if (config.mode === 'start') {
    const runId = config.runIds[0] as string;
    await engine.start(workflow, null, { id: runId });
    await engine.waitForEnd(runId);
  } else if (config.mode === 'resume') {
    await engine.waitForEnd(config.runIds[0] as string);
  } else if (config.mode === 'serve') {
    await stop;
    await engine.stop();
    await store.close();
    print('stopped');
    return exit(0);
  }
  const runs = await untilTerminal(store, config.runIds);
  print(`result ${JSON.stringify(runs.map(({ id, status, output }) => ({ id, status, output })))}`);
  await engine.stop();
  await store.close();
  exit(0);
}

/** Polls rather than waiting on engine events: other processes end some of these runs. */
async function untilTerminal(store: Store, runIds: readonly string[]): Promise<RunRecord[]> {
  for (;;) {
    const runs = await Promise.all(runIds.map((runId) => store.getRun({ runId })));
    const ended = runs.filter(
      (run): run is RunRecord => run !== null && isTerminalStatus(run.status),
    );
    if (ended.length === runIds.length) return ended;
    await delay(50);
  }
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function exit(code: number, reason?: string): void {
  if (reason !== undefined) process.stderr.write(`worker exiting: ${reason}\n`);
  process.exit(code);
}

setTimeout(() => exit(3, `still running after ${MAX_LIFETIME_MS} ms`), MAX_LIFETIME_MS).unref();
main(JSON.parse(process.argv[2] ?? '') as WorkerConfig).catch((error: unknown) => {
  exit(1, error instanceof Error ? (error.stack ?? error.message) : String(error));
});
