/**
 * Two worker processes on one SQLite file (WAL) share 40 runs. Claims are exclusive, so every
 * run completes exactly once, every step executes exactly once, and a run is never executed
 * by both workers at the same time. The ledger (shared by both processes, each line appended
 * in one write) is the evidence of what actually executed, and in which order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/index.ts';
import { killAllWorkers, spawnWorker, withDiagnostics } from './child-worker.ts';
import {
  type WorkerConfig,
  ledgerWorkflow,
  parseLedger,
  readLedgerText,
  sequenceProblems,
  stepKeyOf,
  stepLines,
} from './ledger.ts';
import { crashScratch } from './scratch.ts';

const RUNS = 40;
const STEPS = 5;

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await killAllWorkers();
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

describe('two worker processes on one SQLite file', () => {
  it('share the runs: each run completes once, each step runs once, in one worker at a time', async () => {
    const scratch = await crashScratch('waymark-two-workers-', (fn) => cleanup.push(fn));
    const { dir, dbPath, ledgerPath, store } = scratch;

    // Every run exists before either worker claims anything, so both start with work to share.
    const workflowOptions = { name: 'ledger-5', steps: STEPS, stepMs: 3 };
    const client = createEngine({ store, worker: false });
    const workflow = ledgerWorkflow({ ...workflowOptions, ledgerPath, workerId: 'client' });
    const runIds = Array.from({ length: RUNS }, (_, i) => `run-${String(i).padStart(2, '0')}`);
    for (const id of runIds) await client.start(workflow, null, { id });
    await client.stop();

    const workers = ['worker-a', 'worker-b'].map((workerId) =>
      spawnWorker({
        mode: 'work',
        dbPath,
        ledgerPath,
        workerId,
        workflow: workflowOptions,
        runIds,
        // Long enough that no lease expires on a loaded machine: no run may change hands here.
        leaseMs: 10_000,
        // Few runs at a time each, so neither worker can take everything at once.
        concurrency: 2,
        gate: true,
        killAfterStep: null,
      } satisfies WorkerConfig),
    );
    const diagnostics = (): string =>
      [
        `files kept in ${dir}`,
        `--- ledger ---\n${readLedgerText(ledgerPath)}`,
        ...workers.map((w) => w.describe()),
      ].join('\n');

    await withDiagnostics(diagnostics, async () => {
      // Released together once both have loaded, so neither finishes before the other starts.
      await Promise.all(workers.map((w) => w.waitForLine('ready', 20_000)));
      for (const worker of workers) worker.send('go');
      const results = await Promise.all(workers.map((w) => w.result(40_000)));
      for (const worker of workers) expect(await worker.exited).toEqual({ code: 0, signal: null });

      const output = Array.from({ length: STEPS }, (_, i) => i + 1);

      const ledger = parseLedger(readLedgerText(ledgerPath));
      const runsByWorker = new Map<string, string[]>();
      for (const runId of runIds) {
        const events = await store.listEvents({ runId });
        const count = (type: string): number => events.filter((e) => e.type === type).length;
        expect(count('run.completed'), `run.completed events of ${runId}`).toBe(1);
        expect(count('run.started'), `run.started events of ${runId}`).toBe(1);
        expect(count('run.recovered') + count('run.resumed'), `reclaims of ${runId}`).toBe(0);
        expect(count('step.succeeded'), `step.succeeded events of ${runId}`).toBe(STEPS);
        expect(await store.getRun({ runId })).toMatchObject({ status: 'completed', output });

        const lines = stepLines(ledger, runId);
        for (let i = 1; i <= STEPS; i++) {
          const mine = lines.filter((l) => l.stepKey === stepKeyOf(i));
          expect(
            mine.map((l) => `${l.kind} ${l.workerId}`),
            `${runId} ${stepKeyOf(i)}: one execution, in one worker`,
          ).toEqual([`start ${mine[0]?.workerId}`, `end ${mine[0]?.workerId}`]);
        }
        // Never in both workers at once: each step ends before the run's next step starts.
        expect(sequenceProblems(ledger, runId)).toEqual([]);
        // The worker that claimed the run is the one that executed all of it.
        const claimant = events.find((e) => e.type === 'run.started')?.data.worker as string;
        expect(new Set(lines.map((l) => l.workerId))).toEqual(new Set([claimant]));
        runsByWorker.set(claimant, [...(runsByWorker.get(claimant) ?? []), runId]);
      }
      for (const result of results) {
        expect(result).toEqual(runIds.map((id) => ({ id, status: 'completed', output })));
      }
      // Both did part of the work (otherwise this would test one worker, not two).
      for (const worker of workers) {
        expect(runsByWorker.get(worker.workerId)?.length ?? 0, worker.workerId).toBeGreaterThan(0);
      }
    });
    scratch.passed();
  }, 60_000);
});
