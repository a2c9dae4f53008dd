import { randomUUID } from 'node:crypto';
import { isTerminalStatus } from '../../core/run.ts';
import { createEngine, type Engine } from '../../runtime/engine.ts';
import type { CliContext } from '../cli-context.ts';
import { STDOUT_CLOSED } from '../cli-io.ts';
import type { RunOptions } from '../commands/run.ts';
import { CLI_WORKER_OPTIONS } from '../config.ts';
import { formatMs } from '../format/time.ts';
import type { WorkflowModule } from '../load-workflow-module.ts';
import type { CliStore } from '../open-store.ts';
import { startRunLogs } from '../run-logs.ts';
import { RunProgress } from '../run-progress.ts';
import { waitForRun } from '../wait-for-run.ts';
import { reportInterrupted, reportRunEnd } from './run-output.ts';

/**
 * Runs a worker in this process until the run ends or the user interrupts; `begin` starts or
 * resumes the run and returns its id. An interrupt stops the worker gracefully: the step in
 * flight may finish, then the run is handed back to the store (due at once) for `--resume`.
 */
export async function executeRun(
  file: string,
  module: WorkflowModule,
  store: CliStore,
  options: RunOptions,
  ctx: CliContext,
  begin: (engine: Engine) => Promise<string>,
): Promise<number> {
  const workerId = `cli-${randomUUID().slice(0, 8)}`;
  const engine = createEngine({
    store,
    workflows: module.workflows,
    worker: { ...CLI_WORKER_OPTIONS, workerId },
    // Secrets (YAML `secrets:`, `ctx.secret`) come from the environment; runs record them masked.
    secrets: ctx.config.env,
  });
  // Subscribed before the run starts, so no event is missed.
  const progress = new RunProgress(engine, ctx, { lines: options.json !== true });
  const logs = startRunLogs(engine, ctx);
  try {
    const runId = await begin(engine);
    progress.watch(runId);
    const outcome = await waitForRun(engine, runId, ctx.io);
    const listSteps = (id: string) => engine.steps(id);
    if (outcome.type === 'ended') return await reportRunEnd(outcome.run, options, ctx, listSteps);
    const stdoutClosed = outcome.signal === STDOUT_CLOSED;
    const notice = `letting the step in flight finish (up to ${formatMs(CLI_WORKER_OPTIONS.shutdownGraceMs)}), then handing the run back…`;
    if (stdoutClosed) ctx.io.stderr(`waymark: stdout closed (EPIPE): ${notice}\n`);
    else if (options.json !== true) ctx.io.stdout(`\nInterrupted (${outcome.signal}): ${notice}\n`);
    progress.interrupting();
    await engine.stop(); // the run parks at its next step boundary, due now
    const run = await engine.getRun(runId);
    // It may have ended during the stop's grace period: then that is the result.
    if (run !== null && isTerminalStatus(run.status)) {
      return await reportRunEnd(run, options, ctx, listSteps);
    }
    return reportInterrupted(file, runId, run, { stdoutClosed }, options, ctx);
  } finally {
    progress.stop();
    await engine.stop();
    logs.stop();
  }
}
