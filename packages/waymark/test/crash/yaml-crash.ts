/**
 * A YAML workflow run by the real `waymark` CLI, SIGKILLed at several points and continued
 * each time by a new `waymark run <file> --resume <runId>` process (which waits for the dead
 * process's lease to expire). Then the ledger (what the shell steps executed) is checked
 * against the store (what the engine recorded).
 */
import { appendFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { HistoryEvent } from '../../src/core/history.ts';
import type { RunRecord } from '../../src/core/run.ts';
import type { StepRecord } from '../../src/core/step.ts';
import { waitFor, withDiagnostics } from './child-worker.ts';
import { type CliProcess, startCli } from './cli-process.ts';
import {
  interleavingProblems,
  readShellLedger,
  type ShellLedgerLine,
  startedBy,
} from './shell-ledger.ts';
import { crashScratch } from './scratch.ts';

/** Kill the CLI once its own ledger line `<kind> <stepKey>` is written. */
export interface KillPoint {
  kind: 'start' | 'end';
  stepKey: string;
}

export interface CrashScenario {
  workflowFile: string;
  killPoints: readonly KillPoint[];
}

interface Kill {
  process: CliProcess;
  /** The dead process's lease expiry, read from the store after it died. */
  leaseExpiresAt: number;
}

export interface CrashOutcome {
  run: RunRecord;
  steps: StepRecord[];
  events: HistoryEvent[];
  ledger: ShellLedgerLine[];
  /** Every CLI process, in order: the first started the run, each later one resumed it. */
  processes: CliProcess[];
  kills: Kill[];
}

const PROCESS_TIMEOUT_MS = 20_000;

/**
 * Runs the scenario; `register` receives the cleanup (the files are kept when the test
 * fails). Failures carry the ledger, history and every process's output.
 */
export async function crashAndResume(
  scenario: CrashScenario,
  register: (cleanup: () => Promise<void> | void) => void,
  check: (outcome: CrashOutcome) => void,
): Promise<void> {
  const scratch = await crashScratch('waymark-yaml-crash-', register);
  const { dir, dbPath: db, ledgerPath, store } = scratch;

  const processes: CliProcess[] = [];
  const kills: Kill[] = [];
  let runId = '';
  const diagnostics = async (): Promise<string> =>
    [
      `run ${runId}; files kept in ${dir}`,
      `--- ledger ---\n${readShellLedger(ledgerPath)
        .map((l) => `${l.kind} ${l.stepKey} ${l.attempt} ${l.cli}`)
        .join('\n')}`,
      `--- history ---\n${(await store.listEvents({ runId }))
        .map((e) => `${e.seq} ${e.type} ${e.stepKey ?? ''} ${JSON.stringify(e.data)}`)
        .join('\n')}`,
      ...processes.map((p) => p.describe()),
    ].join('\n');

  await withDiagnostics(diagnostics, async () => {
    const file = scenario.workflowFile;
    let current = startCli(
      'cli-0',
      dir,
      'run',
      file,
      '--db',
      db,
      '--input',
      `ledger=${ledgerPath}`,
    );
    processes.push(current);
    runId = await current.runId(PROCESS_TIMEOUT_MS);
    for (const [i, point] of scenario.killPoints.entries()) {
      const victim = current;
      await waitFor(
        `${victim.label} to log "${point.kind} ${point.stepKey}"`,
        () => {
          if (victim.stdout.includes('run completed')) throw new Error('the run ended first');
          return readShellLedger(ledgerPath).some(
            (l) => l.cli === victim.label && l.kind === point.kind && l.stepKey === point.stepKey,
          );
        },
        PROCESS_TIMEOUT_MS,
      );
      expect((await victim.kill()).signal).toBe('SIGKILL');
      appendFileSync(ledgerPath, `kill ${victim.label}\n`);
      // Killed mid-run: the run is still `running`, leased to the dead process.
      const run = await store.getRun({ runId });
      expect(run?.status).toBe('running');
      kills.push({ process: victim, leaseExpiresAt: run?.leaseExpiresAt ?? NaN });
      current = startCli(`cli-${i + 1}`, dir, 'run', file, '--resume', runId, '--db', db);
      processes.push(current);
    }
    expect(await current.waitForExit(PROCESS_TIMEOUT_MS)).toEqual({ code: 0, signal: null });

    const run = await store.getRun({ runId });
    if (run === null) throw new Error(`run ${runId} is gone`);
    check({
      run,
      steps: await store.listSteps({ runId }),
      events: await store.listEvents({ runId }),
      ledger: readShellLedger(ledgerPath),
      processes,
      kills,
    });
  });
  scratch.passed();
}

/**
 * What every crash scenario must show, for the steps that write the ledger (`ledgerKeys`):
 * - one claim per process (`run.started`, then `run.recovered`), none before the dead
 *   process's lease expired, and one `run.completed`;
 * - each step recorded once; a step never started again after its result was recorded;
 * - a step started more than once only because a kill hit while it was in flight and
 *   unrecorded, so at most one extra execution per kill.
 */
export function checkCrashOutcome(outcome: CrashOutcome, ledgerKeys: readonly string[]): void {
  const { events, ledger, processes, kills } = outcome;
  const claims = events.filter((e) => /^run\.(started|resumed|recovered)$/.test(e.type));
  expect(claims.map((e) => e.type)).toEqual(
    processes.map((_, i) => (i === 0 ? 'run.started' : 'run.recovered')),
  );
  kills.forEach((kill, i) => {
    expect((claims[i + 1] as HistoryEvent).at).toBeGreaterThanOrEqual(kill.leaseExpiresAt);
  });
  expect(events.filter((e) => e.type === 'run.completed')).toHaveLength(1);
  expect(events.filter((e) => e.type === 'run.failed' || e.type === 'run.restarting')).toEqual([]);

  // Which process recorded each step: the one whose claim precedes its step.succeeded.
  const recordedBy = new Map<string, number>();
  let generation = -1;
  for (const event of events) {
    if (claims.includes(event)) generation++;
    else if (event.type === 'step.succeeded' && event.stepKey !== null) {
      expect(recordedBy.has(event.stepKey), `${event.stepKey} recorded twice`).toBe(false);
      recordedBy.set(event.stepKey, generation);
    }
  }
  const generationOf = new Map(processes.map((p, i) => [p.label, i]));
  for (const p of processes) {
    const killed = kills.some((k) => k.process === p);
    expect(interleavingProblems(ledger, p.label, killed)).toEqual([]);
  }
  // The step each killed process was running when it died, if it had not recorded it.
  const lost = kills.flatMap(({ process }) => {
    const last = startedBy(ledger, process.label).at(-1);
    const g = generationOf.get(process.label);
    return last !== undefined && recordedBy.get(last) !== g ? [last] : [];
  });
  const starts = ledger.filter((l) => l.kind === 'start');
  for (const key of ledgerKeys) {
    const recorder = recordedBy.get(key);
    expect(recorder, `${key} has no step.succeeded event`).toBeDefined();
    const ranIn = starts.filter((l) => l.stepKey === key).map((l) => generationOf.get(l.cli));
    for (const g of ranIn) {
      expect(g, `${key} recorded by process ${recorder} but started in ${g}`).toBeLessThanOrEqual(
        recorder as number,
      );
    }
    expect(ranIn, `processes that started ${key}`).toHaveLength(
      1 + lost.filter((k) => k === key).length,
    );
    expect(new Set(ranIn).size, `${key} started twice by one process`).toBe(ranIn.length);
  }
  expect(starts.map((l) => l.stepKey).sort()).toEqual([...ledgerKeys, ...lost].sort());
  expect(lost.length).toBeLessThanOrEqual(kills.length);
}
