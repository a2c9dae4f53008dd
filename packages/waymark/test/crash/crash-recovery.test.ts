/**
 * Crash recovery with real processes: a worker executing a 20-step run is SIGKILLed three
 * times at different points; each time a new process resumes the run once the dead worker's
 * lease has expired. The ledger (what step functions actually executed) and the store (what
 * the engine recorded) must agree that no recorded step ever ran again.
 */
import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/index.ts';
import {
  type Exit,
  type WorkerProcess,
  killAllWorkers,
  spawnWorker,
  waitFor,
  withDiagnostics,
} from './child-worker.ts';
import {
  type LedgerEntry,
  type WorkerConfig,
  parseLedger,
  readLedgerText,
  sequenceProblems,
  stepKeyOf,
  stepLines,
} from './ledger.ts';
import { crashScratch } from './scratch.ts';

const STEPS = 20;
const LEASE_MS = 1000;
type KillPoint =
  /** The test SIGKILLs the worker once the worker's own ledger lines reach this one. */
  | { by: 'test'; kind: 'start' | 'end'; step: number }
  /** The worker SIGKILLs itself right after this step's result was recorded. */
  | { by: 'self'; afterStep: number };

/**
 * Three kills at different points. The last one leaves several steps of margin, so a slow
 * poll on a loaded machine still kills the worker mid-run.
 */
const KILL_POINTS: readonly KillPoint[] = [
  { by: 'test', kind: 'start', step: 3 }, // during a step's work: that step runs again
  { by: 'self', afterStep: 8 }, // just after a result was recorded: that step must not run again
  { by: 'test', kind: 'end', step: 13 }, // lands wherever: in the commit or in the next step
];

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await killAllWorkers();
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

interface Kill {
  worker: WorkerProcess;
  point: KillPoint;
  /** The dead worker's lease expiry, read from the store after it died. */
  leaseExpiresAt: number;
}

describe('crash recovery (real processes, SIGKILL)', () => {
  it('resumes a run after repeated SIGKILLs and never re-runs a recorded step', async () => {
    const scratch = await crashScratch('waymark-crash-', (fn) => cleanup.push(fn));
    const { dir, dbPath, ledgerPath, store } = scratch;

    const runId = randomUUID();
    const config = (i: number): WorkerConfig => ({
      mode: i === 0 ? 'start' : 'resume',
      dbPath,
      ledgerPath,
      workerId: `crash-${i}`,
      workflow: { name: 'ledger-20', steps: STEPS, stepMs: 50 },
      runIds: [runId],
      leaseMs: LEASE_MS,
      concurrency: 1,
      gate: false,
      killAfterStep: KILL_POINTS[i]?.by === 'self' ? KILL_POINTS[i].afterStep : null,
    });
    const workers: WorkerProcess[] = [];
    const kills: Kill[] = [];
    const diagnostics = async (): Promise<string> =>
      [
        `run ${runId}; files kept in ${dir}`,
        `kills: ${kills.map((k) => `${k.worker.workerId} (lease until ${k.leaseExpiresAt})`).join(', ')}`,
        `--- ledger ---\n${readLedgerText(ledgerPath)}`,
        `--- history ---\n${(await store.listEvents({ runId })).map(formatEvent).join('\n')}`,
        ...workers.map((w) => w.describe()),
      ].join('\n');

    await withDiagnostics(diagnostics, async () => {
      let worker = spawnWorker(config(0));
      workers.push(worker);
      for (const [i, point] of KILL_POINTS.entries()) {
        const current = worker;
        let exit: Exit;
        if (point.by === 'self') {
          exit = await current.waitForExit(20_000);
        } else {
          await waitFor(
            `${current.workerId} to log "${point.kind} ${stepKeyOf(point.step)}"`,
            () => reached(parseLedger(readLedgerText(ledgerPath)), current.workerId, point),
            20_000,
          );
          exit = await current.kill();
        }
        expect(exit.signal).toBe('SIGKILL');
        appendFileSync(ledgerPath, `kill ${current.workerId} ${current.pid}\n`);
        // Killed mid-run: the run is still `running`, leased to the dead worker.
        const run = await store.getRun({ runId });
        expect(run).toMatchObject({ status: 'running', leaseOwner: current.workerId });
        kills.push({ worker: current, point, leaseExpiresAt: run?.leaseExpiresAt ?? NaN });
        worker = spawnWorker(config(i + 1));
        workers.push(worker);
      }
      const result = await worker.result(30_000);
      expect(await worker.exited).toEqual({ code: 0, signal: null });

      const expectedOutput = Array.from({ length: STEPS }, (_, i) => i + 1);
      expect(result).toEqual([{ id: runId, status: 'completed', output: expectedOutput }]);
      const run = await store.getRun({ runId });
      expect(run).toMatchObject({ status: 'completed', output: expectedOutput, leaseOwner: null });
      const steps = await store.listSteps({ runId });
      expect(steps.map((s) => [s.key, s.status, s.output]).sort(byStepNumber)).toEqual(
        expectedOutput.map((i) => [stepKeyOf(i), 'completed', i]),
      );
      const events = await store.listEvents({ runId });
      checkHistory(events, workers, kills);
      checkLedger(parseLedger(readLedgerText(ledgerPath)), runId, events, workers, kills);
    });
    scratch.passed();
  }, 60_000);
});

function reached(
  ledger: readonly LedgerEntry[],
  workerId: string,
  point: Extract<KillPoint, { by: 'test' }>,
): boolean {
  return stepLines(ledger).some(
    (e) => e.workerId === workerId && e.kind === point.kind && stepNumber(e.stepKey) >= point.step,
  );
}

/**
 * One claim per process: `run.started` by the first, `run.recovered` by each successor, and
 * none before the dead worker's lease expired.
 */
function checkHistory(
  events: readonly HistoryEvent[],
  workers: readonly WorkerProcess[],
  kills: readonly Kill[],
): void {
  const claims = events.filter((e) => e.type.match(/^run\.(started|resumed|recovered)$/));
  expect(claims.map((e) => [e.type, e.data.worker])).toEqual(
    workers.map((w, i) => [i === 0 ? 'run.started' : 'run.recovered', w.workerId]),
  );
  kills.forEach((kill, i) => {
    const recovery = claims[i + 1] as HistoryEvent;
    expect(
      recovery.at,
      `${recovery.data.worker as string} reclaimed before the lease expired`,
    ).toBeGreaterThanOrEqual(kill.leaseExpiresAt);
  });
  expect(events.filter((e) => e.type === 'run.completed')).toHaveLength(1);
  expect(events.filter((e) => e.type === 'run.failed' || e.type === 'run.restarting')).toEqual([]);
}

/**
 * Compares what executed (ledger) with what was recorded (history): the worker whose claim
 * precedes a step's `step.succeeded` event recorded it. A step may have run more than once
 * only because a worker was killed between starting it and recording its result, so:
 * starts(step) = 1 + the kills that hit while the step was in flight and unrecorded.
 */
function checkLedger(
  ledger: readonly LedgerEntry[],
  runId: string,
  events: readonly HistoryEvent[],
  workers: readonly WorkerProcess[],
  kills: readonly Kill[],
): void {
  expect(sequenceProblems(ledger, runId)).toEqual([]);
  const order = workers.map((w) => w.workerId);
  const recordedBy = new Map<string, string>();
  let claimant = '';
  for (const event of events) {
    if (event.type === 'run.started' || event.type === 'run.recovered') {
      claimant = event.data.worker as string;
    } else if (event.type === 'step.succeeded' && event.stepKey !== null) {
      expect(recordedBy.has(event.stepKey), `${event.stepKey} recorded twice`).toBe(false);
      recordedBy.set(event.stepKey, claimant);
    }
  }
  const starts = stepLines(ledger, runId).filter((e) => e.kind === 'start');
  // The step each killed worker was executing when it died, if its result was not recorded.
  const lostSteps = kills.flatMap(({ worker }) => {
    const last = starts.filter((s) => s.workerId === worker.workerId).at(-1);
    return last !== undefined && recordedBy.get(last.stepKey) !== worker.workerId
      ? [last.stepKey]
      : [];
  });
  for (let i = 1; i <= STEPS; i++) {
    const key = stepKeyOf(i);
    const recorder = recordedBy.get(key);
    expect(recorder, `${key} has no step.succeeded event`).toBeDefined();
    const ranBy = starts.filter((s) => s.stepKey === key).map((s) => s.workerId);
    // Never executed again once its result was recorded (by a later worker)...
    for (const worker of ranBy) {
      expect(
        order.indexOf(worker),
        `${key} recorded by ${recorder} but ran in ${worker} later`,
      ).toBeLessThanOrEqual(order.indexOf(recorder as string));
    }
    // ...and executed more than once only for a kill that hit while it was in flight.
    expect(ranBy, `workers that started ${key}`).toHaveLength(
      1 + lostSteps.filter((k) => k === key).length,
    );
    expect(new Set(ranBy).size, `${key} started twice by one worker`).toBe(ranBy.length);
  }
  // A worker that died just after recording a step: its successor went on with the next one.
  kills.forEach(({ worker, point }, i) => {
    if (point.by !== 'self') return;
    const key = stepKeyOf(point.afterStep);
    expect(recordedBy.get(key)).toBe(worker.workerId);
    const next = starts.find((s) => s.workerId === workers[i + 1]?.workerId);
    expect(next?.stepKey).toBe(stepKeyOf(point.afterStep + 1));
  });
  expect(starts.length - STEPS).toBe(lostSteps.length);
  expect(lostSteps.length).toBeLessThanOrEqual(kills.length);
}

function stepNumber(key: string): number {
  return Number(key.replace(/^step-/, ''));
}

function byStepNumber(a: unknown[], b: unknown[]): number {
  return stepNumber(a[0] as string) - stepNumber(b[0] as string);
}

function formatEvent(e: HistoryEvent): string {
  return `${e.seq} ${e.at} ${e.type} ${e.stepKey ?? ''} ${JSON.stringify(e.data)}`;
}
