/** What `waymark run` prints about the run itself: its start, a resume, its end, an interrupt. */
import type { RunRecord } from '../../core/run.ts';
import type { StepRecord } from '../../core/step.ts';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { describeDb } from '../db-location.ts';
import { formatJson } from '../format/json.ts';
import { formatRunEnd, runSummary } from '../format/run-result.ts';
import { formatStepsSection } from '../format/run-status.ts';
import { formatTime } from '../format/time.ts';
import type { RunOptions } from '../commands/run.ts';
import { stepSummaries } from '../run-summary.ts';

/** The first lines of a new run: its id and database, and how to continue it if interrupted. */
export function announceStart(
  file: string,
  run: { id: string; workflowName: string; dbPath: string },
  options: RunOptions,
  ctx: CliContext,
): void {
  if (options.json === true) return;
  ctx.io.stdout(
    `Run ${run.id} of ${run.workflowName} (db ${describeDb(run.dbPath)})\n` +
      ctx.style.dim(`  if interrupted: ${resumeCommand(file, run.id, options)}`) +
      '\n',
  );
}

export function announceResume(
  run: RunRecord,
  now: number,
  options: RunOptions,
  ctx: CliContext,
): void {
  if (options.json === true) return;
  const head = `Resuming run ${run.id} of ${run.workflowName} (${run.status})`;
  let note = '';
  if (run.status === 'running' && run.leaseExpiresAt !== null && run.leaseExpiresAt > now) {
    note =
      `: held by worker ${run.leaseOwner ?? '?'} until ${formatTime(run.leaseExpiresAt)}; ` +
      `waiting for its lease to expire (if that worker is still alive, until it stops)`;
  } else if (run.status === 'running') {
    note = ': its previous worker stopped; recovering it';
  } else if (run.status === 'sleeping' && run.wakeAt !== null && run.wakeAt > now) {
    note = `: continues at ${formatTime(run.wakeAt)}`;
  } else if (run.status === 'waiting') {
    note = ': waiting for its child runs';
  } else if (run.status === 'paused') {
    note = ': it was paused; resuming it';
  }
  ctx.io.stdout(`${head}${note}\n`);
}

/**
 * How an ended run ended (and its output), and with `--summary` its steps (read with
 * `listSteps`); exit 0 when it completed.
 */
export async function reportRunEnd(
  run: RunRecord,
  options: RunOptions,
  ctx: CliContext,
  listSteps: (runId: string) => Promise<StepRecord[]>,
): Promise<number> {
  const code = run.status === 'completed' ? EXIT_OK : EXIT_FAILURE;
  const steps = options.summary === true ? await listSteps(run.id) : undefined;
  if (options.json === true) {
    ctx.io.stdout(
      formatJson(runSummary(run, steps === undefined ? undefined : stepSummaries(steps))),
    );
    return code;
  }
  const { stdout, stderr } = formatRunEnd(run, ctx.style);
  ctx.io.stdout(stdout);
  if (stderr !== '') ctx.io.stderr(stderr);
  if (steps !== undefined) ctx.io.stdout(`\n${formatStepsSection(steps, ctx.style)}`);
  return code;
}

/** An interrupted run: its status and the command that continues it. Exit 130. */
export function reportInterrupted(
  file: string,
  runId: string,
  run: RunRecord | null,
  how: { stdoutClosed: boolean },
  options: RunOptions,
  ctx: CliContext,
): number {
  const resume = resumeCommand(file, runId, options);
  if (how.stdoutClosed) {
    // Nothing reaches stdout any more, not even --json: the way back goes to stderr.
    ctx.io.stderr(
      `waymark: run ${runId} is ${run?.status ?? 'unknown'}. Continue it with:\n  ${resume}\n`,
    );
  } else if (options.json === true) {
    ctx.io.stdout(
      formatJson({ runId, status: run?.status ?? 'unknown', interrupted: true, resume }),
    );
  } else {
    ctx.io.stdout(`Run ${runId} is ${run?.status ?? 'unknown'}. Continue it with:\n  ${resume}\n`);
  }
  return EXIT_INTERRUPTED;
}

/**
 * The command that continues the run, as the user would paste it in the same directory:
 * through npx (the binary is on PATH only when installed globally), with the flags that
 * chose the database, the export and the workflows directory.
 */
function resumeCommand(file: string, runId: string, options: RunOptions): string {
  const flags = [
    // A URL's password is not printed: the hint would leak it into logs and scrollback.
    ['--db', options.db === undefined ? undefined : describeDb(options.db)],
    ['--workflow', options.workflow],
    ['--dir', options.dir],
  ]
    .filter((flag): flag is [string, string] => flag[1] !== undefined)
    .map(([name, value]) => ` ${name} ${shellQuote(value)}`)
    .join('');
  return `npx waymark run ${shellQuote(file)} --resume ${runId}${flags}`;
}

function shellQuote(text: string): string {
  return /^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
