/**
 * Helpers of the PostgreSQL multi-worker tests: start N worker processes (`serve` mode) on
 * one schema, create many ledger runs at once, wait until the database says they all ended,
 * and read what the database recorded about them in a few queries.
 */
import type pg from 'pg';
import { setTimeout as delay } from 'node:timers/promises';
import { createEngine, type RunHandle } from '../../src/index.ts';
import type { PostgresStore } from '../../src/storage/postgres/index.ts';
import { spawnWorker, type WorkerProcess } from './child-worker.ts';
import { ledgerWorkflow, type WorkerConfig } from './ledger.ts';

export interface LedgerRuns {
  workflow: { name: string; steps: number; stepMs: number };
  runIds: string[];
}

/** Creates `count` ledger runs, due now, through a client engine (no worker). */
export async function createLedgerRuns(
  store: PostgresStore,
  ledgerPath: string,
  workflow: LedgerRuns['workflow'],
  count: number,
): Promise<LedgerRuns> {
  const client = createEngine({ store, worker: false });
  const definition = ledgerWorkflow({ ...workflow, ledgerPath, workerId: 'client' });
  // Started together: group commit writes them in a few transactions.
  const handles: Array<RunHandle<unknown>> = await Promise.all(
    Array.from({ length: count }, () => client.start(definition, null)),
  );
  await client.stop();
  return { workflow, runIds: handles.map((h) => h.id) };
}

export function spawnPostgresWorkers(
  names: readonly string[],
  config: Omit<WorkerConfig, 'workerId' | 'mode' | 'dbPath' | 'runIds' | 'killAfterStep'>,
): WorkerProcess[] {
  return names.map((workerId) =>
    spawnWorker({
      ...config,
      workerId,
      mode: 'serve',
      dbPath: '',
      runIds: [],
      killAfterStep: null,
    }),
  );
}

/** Releases gated workers together, once every one of them has loaded. */
export async function releaseWorkers(workers: readonly WorkerProcess[]): Promise<void> {
  await Promise.all(workers.map((w) => w.waitForLine('ready', 60_000)));
  for (const worker of workers) worker.send('go');
}

/** Stops `serve` workers gracefully and checks each exited 0. */
export async function stopWorkers(workers: readonly WorkerProcess[]): Promise<void> {
  for (const worker of workers) if (!worker.hasExited) worker.send('stop');
  for (const worker of workers) {
    const exit = await worker.waitForExit(30_000);
    if (exit.signal === null && exit.code !== 0) {
      throw new Error(`${worker.workerId} exited with code ${exit.code}`);
    }
  }
}

/** Polls the schema until no run is unfinished (or the time is up). */
export async function untilAllEnded(
  admin: pg.Client,
  schema: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await admin.query<{ left: string }>(
      `SELECT count(*) AS left FROM ${schema}.runs
       WHERE status NOT IN ('completed', 'failed', 'cancelled')`,
    );
    if (Number(rows[0]?.left) === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`${rows[0]?.left} runs still unfinished after ${timeoutMs} ms`);
    }
    await delay(100);
  }
}

export interface RecordedRun {
  id: string;
  status: string;
  output: string | null;
  /** Worker of each claim event, in order, with its type. */
  claims: Array<{ type: string; worker: string }>;
  completedEvents: number;
  succeededSteps: number;
  completedSteps: number;
}

/** What the database holds about every run of the schema, in three queries. */
export async function recordedRuns(admin: pg.Client, schema: string): Promise<RecordedRun[]> {
  const { rows } = await admin.query<{
    id: string;
    status: string;
    output: string | null;
    claims: Array<{ type: string; worker: string }> | null;
    completed_events: number;
    succeeded_steps: number;
    completed_steps: number;
  }>(
    `SELECT r.id, r.status, r.output,
       (SELECT json_agg(json_build_object('type', e.type, 'worker', e.data::json->>'worker')
          ORDER BY e.seq)
        FROM ${schema}.events e WHERE e.run_id = r.id
          AND e.type IN ('run.started', 'run.resumed', 'run.recovered')) AS claims,
       (SELECT count(*)::int FROM ${schema}.events e
        WHERE e.run_id = r.id AND e.type = 'run.completed') AS completed_events,
       (SELECT count(*)::int FROM ${schema}.events e
        WHERE e.run_id = r.id AND e.type = 'step.succeeded') AS succeeded_steps,
       (SELECT count(*)::int FROM ${schema}.steps s
        WHERE s.run_id = r.id AND s.status = 'completed') AS completed_steps
     FROM ${schema}.runs r ORDER BY r.id`,
  );
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    output: row.output,
    claims: row.claims ?? [],
    completedEvents: row.completed_events,
    succeededSteps: row.succeeded_steps,
    completedSteps: row.completed_steps,
  }));
}
