/**
 * The ledger: a plain text file that step functions append to with `appendFileSync`, so a
 * line is in the file (the OS page cache survives a SIGKILL) before the step goes on. It is
 * the ground truth of what executed, independent of what the engine recorded. Lines from
 * several processes are ordered by write time: each append is one small `O_APPEND` write.
 *
 *   start <runId> <stepKey> <workerId> <pid> <hrtime>
 *   end   <runId> <stepKey> <workerId> <pid> <hrtime>
 *   kill  <workerId> <pid>                               (written by the test after a SIGKILL)
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { defineWorkflow, type WorkflowDefinition } from '../../src/index.ts';

export type LedgerEntry = LedgerStep | LedgerKill;

export interface LedgerStep {
  kind: 'start' | 'end';
  /** 0-based position of the line in the file. */
  line: number;
  runId: string;
  stepKey: string;
  workerId: string;
  pid: number;
}

export interface LedgerKill {
  kind: 'kill';
  line: number;
  workerId: string;
  pid: number;
}

export interface LedgerWorkflowOptions {
  name: string;
  steps: number;
  /** Real time each step spends between its `start` and `end` lines. */
  stepMs: number;
  ledgerPath: string;
  workerId: string;
  /** Called in the workflow after step i returned, i.e. once its result is recorded. */
  afterStep?: (i: number) => void;
}

/** Settings of one worker process (worker-process.ts), passed as JSON in argv. */
export interface WorkerConfig {
  /**
   * `start`: start run `runIds[0]` and wait for its result. `resume`: execute until the runs
   * are terminal (run `runIds[0]` after a crash). `work`: the same for many runs, shared with
   * other processes. `serve`: work (whatever is due) until a `stop` line on stdin, then stop
   * the engine gracefully and exit 0 (for thousands of runs, which the test watches itself).
   */
  mode: 'start' | 'resume' | 'work' | 'serve';
  /** The SQLite file (ignored with `postgres`). */
  dbPath: string;
  /** A PostgreSQL store instead: this schema of this database (lease clock: the database's). */
  postgres?: { url: string; schema: string };
  /** How often the worker polls for due runs (default 50 ms). */
  pollMs?: number;
  ledgerPath: string;
  workerId: string;
  workflow: { name: string; steps: number; stepMs: number };
  runIds: string[];
  leaseMs: number;
  concurrency: number;
  /** Print `ready`, then wait for a `go` line on stdin before the worker starts claiming. */
  gate: boolean;
  /** SIGKILL itself right after the result of this step number was recorded. */
  killAfterStep: number | null;
}

export function stepKeyOf(i: number): string {
  return `step-${i}`;
}

/** A sequential workflow whose step i logs `start`/`end` to the ledger and returns i. */
export function ledgerWorkflow(
  options: LedgerWorkflowOptions,
): WorkflowDefinition<unknown, number[]> {
  const { name, steps, stepMs, ledgerPath, workerId, afterStep } = options;
  const log = (kind: 'start' | 'end', runId: string, stepKey: string): void => {
    const line = `${kind} ${runId} ${stepKey} ${workerId} ${process.pid} ${process.hrtime.bigint()}\n`;
    appendFileSync(ledgerPath, line);
  };
  return defineWorkflow({ name }, async (ctx) => {
    const results: number[] = [];
    for (let i = 1; i <= steps; i++) {
      const result = await ctx.step(stepKeyOf(i), async (step) => {
        log('start', step.runId, step.stepKey);
        await delay(stepMs);
        log('end', step.runId, step.stepKey);
        return i;
      });
      results.push(result);
      afterStep?.(i);
    }
    return results;
  });
}

export function readLedgerText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** The lines of the ledger, in file order. */
export function parseLedger(text: string): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  text.split('\n').forEach((raw, line) => {
    const fields = raw.split(' ');
    const [kind] = fields;
    if (kind === 'kill' && fields.length === 3) {
      entries.push({ kind, line, workerId: fields[1] as string, pid: Number(fields[2]) });
    } else if ((kind === 'start' || kind === 'end') && fields.length === 6) {
      const [, runId, stepKey, workerId, pid] = fields as [string, string, string, string, string];
      entries.push({ kind, line, runId, stepKey, workerId, pid: Number(pid) });
    } else if (raw !== '') {
      throw new Error(`ledger line ${line} is malformed: ${JSON.stringify(raw)}`);
    }
  });
  return entries;
}

export function stepLines(entries: readonly LedgerEntry[], runId?: string): LedgerStep[] {
  return entries.filter(
    (e): e is LedgerStep => e.kind !== 'kill' && (runId === undefined || e.runId === runId),
  );
}

/**
 * Problems with the order of one sequential run's lines: each `start` must be followed by the
 * `end` of the same step by the same worker before anything else of the run happens, except
 * that a `kill` line ends the killed worker's open step. So a run executed by two workers at
 * once, or a step that ran on after its worker was declared dead, shows up here.
 */
export function sequenceProblems(entries: readonly LedgerEntry[], runId: string): string[] {
  const problems: string[] = [];
  let open: LedgerStep | null = null;
  for (const entry of entries) {
    if (entry.kind === 'kill') {
      if (open?.workerId === entry.workerId) open = null;
      continue;
    }
    if (entry.runId !== runId) continue;
    if (entry.kind === 'start') {
      if (open !== null) {
        problems.push(
          `line ${entry.line}: ${entry.workerId} started ${entry.stepKey} of ${runId} while ` +
            `${open.stepKey} (started by ${open.workerId} on line ${open.line}) had not ended`,
        );
      }
      open = entry;
    } else {
      if (open === null || open.stepKey !== entry.stepKey || open.workerId !== entry.workerId) {
        problems.push(
          `line ${entry.line}: ${entry.workerId} ended ${entry.stepKey} of ${runId}, but the ` +
            `open step was ${open === null ? 'none' : `${open.stepKey} of ${open.workerId}`}`,
        );
      }
      open = null;
    }
  }
  if (open !== null) problems.push(`line ${open.line}: ${open.stepKey} of ${runId} never ended`);
  return problems;
}
