import { isTerminalStatus, type RunRecord } from '../../core/run.ts';
import { CliError } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import type { RunOptions } from '../commands/run.ts';
import type { WorkflowModule } from '../load-workflow-module.ts';
import type { CliStore } from '../open-store.ts';
import { executeRun } from './execute-run.ts';
import { announceResume, reportRunEnd } from './run-output.ts';

/**
 * `--resume`: continues `run` with a worker for `module`'s workflows (which must include the
 * run's). A finished run just reports its result; a paused one is resumed; a running one
 * whose worker died is reclaimed once its lease expires; a sleeping one continues when due.
 */
export async function resumeRun(
  file: string,
  run: RunRecord,
  module: WorkflowModule,
  store: CliStore,
  options: RunOptions,
  ctx: CliContext,
): Promise<number> {
  if (!module.workflows.some((w) => w.name === run.workflowName)) {
    const names = module.workflows.map((w) => w.name).join(', ');
    throw new CliError(
      `run ${run.id} is a run of workflow "${run.workflowName}", which ${module.path} does not export (it exports: ${names})`,
    );
  }
  // Checked first, so a wrong file is said even for a run that already ended.
  if (isTerminalStatus(run.status)) {
    return reportRunEnd(run, options, ctx, (runId) => store.listSteps({ runId }));
  }
  return executeRun(file, module, store, options, ctx, async (engine) => {
    announceResume(run, engine.clock.now(), options, ctx);
    if (run.status === 'paused') await engine.resume(run.id);
    return run.id;
  });
}
