/**
 * Worker processes sharing one PostgreSQL database. The ledger (one line per step start and
 * end, appended by every process to one file) is the evidence of what actually executed;
 * the database tells what was recorded.
 *
 * - Scale-out: 4 workers, 2,000 runs × 5 steps. Every run completes, once; every step runs
 *   exactly once, in one worker; no run is ever in two workers at once.
 * - SIGKILL: one of 3 workers dies mid-run. Its runs are recovered by the others once their
 *   leases expire; a step recorded before the kill never runs again.
 */
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { openPostgresStore, type PostgresStore } from '../../src/storage/postgres/index.ts';
import {
  describePostgres,
  dropSchema,
  randomSchemaName,
  withAdminClient,
} from '../storage/postgres-test-db.ts';
import { killAllWorkers, waitFor, withDiagnostics, type WorkerProcess } from './child-worker.ts';
import {
  type LedgerEntry,
  type LedgerStep,
  parseLedger,
  readLedgerText,
  sequenceProblems,
  stepLines,
} from './ledger.ts';
import {
  createLedgerRuns,
  recordedRuns,
  releaseWorkers,
  spawnPostgresWorkers,
  stopWorkers,
  untilAllEnded,
} from './postgres-workers.ts';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await killAllWorkers();
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

interface Scratch {
  schema: string;
  dir: string;
  ledgerPath: string;
  store: PostgresStore;
  admin: pg.Client;
  passed(): void;
}

/** A fresh schema and ledger; both are removed after a test that passed. */
async function scratch(url: string): Promise<Scratch> {
  const schema = randomSchemaName('wm_workers');
  const dir = mkdtempSync(path.join(tmpdir(), 'waymark-pg-workers-'));
  const ledgerPath = path.join(dir, 'ledger.txt');
  writeFileSync(ledgerPath, '');
  const store = await openPostgresStore({ url, schema, notifications: false });
  const admin = await withAdminClient(url, async (client) => client, false);
  let passed = false;
  cleanup.push(async () => {
    await store.close();
    await admin.end();
    if (passed) {
      rmSync(dir, { recursive: true, force: true });
      await dropSchema(url, schema);
    }
  });
  return { schema, dir, ledgerPath, store, admin, passed: () => (passed = true) };
}

function diagnostics(s: Scratch, workers: readonly WorkerProcess[]): () => string {
  return () =>
    [
      `schema ${s.schema} and ledger ${s.ledgerPath} kept`,
      ...workers.map((w) => w.describe().slice(-4000)),
    ].join('\n');
}

/** Ledger lines grouped by run (kill lines go to every run: they end a worker's open step). */
function byRun(entries: readonly LedgerEntry[]): Map<string, LedgerEntry[]> {
  const runs = new Map<string, LedgerEntry[]>();
  const kills: LedgerEntry[] = [];
  for (const entry of entries) {
    if (entry.kind === 'kill') {
      kills.push(entry);
      for (const lines of runs.values()) lines.push(entry);
      continue;
    }
    let lines = runs.get(entry.runId);
    if (lines === undefined) {
      lines = [...kills];
      runs.set(entry.runId, lines);
    }
    lines.push(entry);
  }
  return runs;
}

const OUTPUT = JSON.stringify([1, 2, 3, 4, 5]);

describePostgres('worker processes on one PostgreSQL database', (url) => {
  it('4 workers share 2,000 runs × 5 steps: each run completes once, each step runs once, in one worker at a time', async () => {
    const s = await scratch(url);
    const workflow = { name: 'ledger-5', steps: 5, stepMs: 0 };
    // Spawned first: they load while the runs are created, and wait for `go`.
    const workers = spawnPostgresWorkers(['w1', 'w2', 'w3', 'w4'], {
      postgres: { url, schema: s.schema },
      ledgerPath: s.ledgerPath,
      workflow,
      // Long enough that no lease expires on a loaded machine: no run may change hands here.
      leaseMs: 20_000,
      concurrency: 50,
      gate: true,
    });
    await withDiagnostics(diagnostics(s, workers), async () => {
      const { runIds } = await createLedgerRuns(s.store, s.ledgerPath, workflow, 2000);
      await releaseWorkers(workers);
      await untilAllEnded(s.admin, s.schema, 50_000);
      await stopWorkers(workers);

      const recorded = await recordedRuns(s.admin, s.schema);
      expect(recorded).toHaveLength(runIds.length);
      const ledger = byRun(parseLedger(readLedgerText(s.ledgerPath)));
      const runsByWorker = new Map<string, number>();
      const problems: string[] = [];
      for (const run of recorded) {
        const [claim, ...reclaims] = run.claims;
        if (run.status !== 'completed' || run.output !== OUTPUT) {
          problems.push(`${run.id}: ${run.status} ${run.output}`);
        }
        if (run.completedEvents !== 1) problems.push(`${run.id}: ${run.completedEvents} ends`);
        if (run.succeededSteps !== 5) problems.push(`${run.id}: ${run.succeededSteps} steps`);
        if (claim?.type !== 'run.started' || reclaims.length > 0) {
          problems.push(`${run.id}: claimed ${JSON.stringify(run.claims)}`);
        }
        const lines = ledger.get(run.id) ?? [];
        const steps = stepLines(lines);
        // Exactly one execution per step: a start and an end, by the worker that claimed it.
        if (steps.length !== 10 || steps.some((l) => l.workerId !== claim?.worker)) {
          problems.push(`${run.id}: ledger ${steps.map((l) => `${l.kind}@${l.workerId}`)}`);
        }
        problems.push(...sequenceProblems(lines, run.id));
        runsByWorker.set(claim?.worker ?? '?', (runsByWorker.get(claim?.worker ?? '?') ?? 0) + 1);
      }
      expect(problems.slice(0, 20)).toEqual([]);
      // Every worker did part of the work (otherwise this would not test four).
      for (const worker of workers) {
        expect(runsByWorker.get(worker.workerId) ?? 0, worker.workerId).toBeGreaterThan(0);
      }
    });
    s.passed();
  }, 150_000);

  it('a SIGKILLed worker’s runs are recovered by the others; recorded steps never run again', async () => {
    const s = await scratch(url);
    // Steps long enough that the victim holds runs mid-step when it dies.
    const workflow = { name: 'ledger-slow', steps: 5, stepMs: 20 };
    const workers = spawnPostgresWorkers(['victim', 'w2', 'w3'], {
      postgres: { url, schema: s.schema },
      ledgerPath: s.ledgerPath,
      workflow,
      // Short, so the victim's runs are recovered soon after it dies; long enough that a late
      // heartbeat of a live worker (every leaseMs / 2) does not let another take its run.
      leaseMs: 4_000,
      pollMs: 100,
      concurrency: 10,
      gate: true,
    });
    const [victim] = workers as [WorkerProcess, ...WorkerProcess[]];
    await withDiagnostics(diagnostics(s, workers), async () => {
      await createLedgerRuns(s.store, s.ledgerPath, workflow, 150);
      await releaseWorkers(workers);
      // Mid-run: the victim has finished some steps and holds runs with more to go.
      await waitFor(
        'the victim to end 20 steps',
        () =>
          stepLines(parseLedger(readLedgerText(s.ledgerPath))).filter(
            (l) => l.kind === 'end' && l.workerId === 'victim',
          ).length >= 20,
        30_000,
        10,
      );
      // Recorded before the kill. Read first: the others go on recording their own steps, so a
      // later read would hold steps they started after the kill line.
      const { rows: recordedAtKill } = await s.admin.query<{ run_id: string; key: string }>(
        `SELECT run_id, key FROM ${s.schema}.steps WHERE status = 'completed'`,
      );
      await victim.kill();
      appendFileSync(s.ledgerPath, `kill victim ${victim.pid}\n`);
      // Its connections are gone (so is any commit in flight): what is recorded now stays.
      await waitFor(
        'the victim’s connections to close',
        async () =>
          (await s.admin.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'victim'`))
            .rowCount === 0,
        10_000,
        20,
      );
      const { rows: heldAtKill } = await s.admin.query<{ id: string }>(
        `SELECT id FROM ${s.schema}.runs WHERE status = 'running' AND lease_owner = 'victim'`,
      );
      expect(heldAtKill.length).toBeGreaterThan(0);

      await untilAllEnded(s.admin, s.schema, 60_000);
      await stopWorkers(workers.slice(1));

      const entries = parseLedger(readLedgerText(s.ledgerPath));
      const ledger = byRun(entries);
      const killLine = entries.find((e) => e.kind === 'kill')?.line ?? Infinity;
      const recorded = await recordedRuns(s.admin, s.schema);
      const problems: string[] = [];
      for (const run of recorded) {
        if (run.status !== 'completed' || run.output !== OUTPUT) {
          problems.push(`${run.id}: ${run.status} ${run.output}`);
        }
        if (run.completedEvents !== 1) problems.push(`${run.id}: ${run.completedEvents} ends`);
        problems.push(...sequenceProblems(ledger.get(run.id) ?? [], run.id));
      }
      // Recorded before the kill: executed once, before it, never again after.
      for (const { run_id: runId, key } of recordedAtKill) {
        const starts = stepLines(ledger.get(runId) ?? []).filter(
          (l: LedgerStep) => l.stepKey === key && l.kind === 'start',
        );
        if (starts.length !== 1 || (starts[0]?.line ?? 0) > killLine) {
          problems.push(`${runId} ${key} recorded at the kill, started ${starts.length} times`);
        }
      }
      // The victim's runs were taken over by the others, as recovered runs.
      const byId = new Map(recorded.map((run) => [run.id, run]));
      for (const { id } of heldAtKill) {
        const last = byId.get(id)?.claims.at(-1);
        if (last?.type !== 'run.recovered' || last.worker === 'victim') {
          problems.push(`${id}: held by the victim, then ${JSON.stringify(last)}`);
        }
      }
      expect(problems.slice(0, 20)).toEqual([]);
    });
    s.passed();
  }, 150_000);
});
