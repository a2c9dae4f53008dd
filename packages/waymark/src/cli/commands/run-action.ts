import { UsageError } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { resolveDbPath } from '../config.ts';
import { loadWorkflowModule, type WorkflowModule } from '../load-workflow-module.ts';
import { noSuchRun, openCliStore } from '../open-store.ts';
import { parseInput } from '../parse-input.ts';
import { executeRun } from '../run/execute-run.ts';
import { resumeRun } from '../run/resume-run.ts';
import { announceStart } from '../run/run-output.ts';
import { resolveWorkflowTarget } from '../run/workflow-target.ts';
import type { LoadWorkflows } from '../run/yaml-run.ts';
import type { RunOptions } from './run.ts';

/**
 * `waymark run`: starts (or, with `--resume`, continues) a run and executes it with a worker
 * in this process. Ctrl-C stops the worker gracefully, which hands the run back to the store;
 * `--resume` picks it up again. A run whose process was killed keeps that process's lease
 * until it expires (CLI_WORKER_OPTIONS.leaseMs, 5 s): `--resume` waits for that.
 *
 * Everything that can be refused (flags, input, the workflow file) is checked before the
 * database is opened, so a mistake never creates one.
 */
export async function runCommand(
  file: string,
  options: RunOptions,
  ctx: CliContext,
): Promise<number> {
  const resuming = options.resume !== undefined;
  const pairs = options.input ?? [];
  if (resuming && (pairs.length > 0 || options.inputJson !== undefined)) {
    throw new UsageError(
      '--input and --input-json cannot be combined with --resume (the run keeps its input)',
    );
  }
  if (resuming && options.dryRun === true) {
    throw new UsageError('--dry-run cannot be combined with --resume');
  }
  const input = resuming ? undefined : parseInput(pairs, options.inputJson);
  const target = await resolveWorkflowTarget(file, ctx.config, options.dir);
  let load: LoadWorkflows;
  if (target.kind === 'yaml') {
    if (options.workflow !== undefined) {
      throw new UsageError('--workflow selects an export of a module; a YAML file is one workflow');
    }
    // The YAML compiler is loaded only for YAML workflows.
    const { prepareYamlRun } = await import('../run/yaml-run.ts');
    const prepared = await prepareYamlRun(target, options, ctx);
    if ('done' in prepared) return prepared.done;
    load = prepared.load;
  } else {
    if (options.dryRun === true) {
      throw new UsageError('--dry-run works with YAML workflows (.yaml/.yml) only');
    }
    const module = await loadWorkflowModule(file, ctx.config.cwd, {
      ...(options.workflow === undefined ? {} : { exportName: options.workflow }),
      requireSelected: !resuming,
    });
    load = async () => module;
  }

  const dbPath = resolveDbPath(ctx.config, options.db);
  const store = await openCliStore(dbPath, { create: !resuming });
  try {
    if (options.resume !== undefined) {
      const run = await store.getRun({ runId: options.resume });
      if (run === null) throw noSuchRun(options.resume, dbPath);
      return await resumeRun(file, run, await load(store, run), store, options, ctx);
    }
    const module = await load(store, null);
    const workflow = module.selected as NonNullable<WorkflowModule['selected']>;
    return await executeRun(file, module, store, options, ctx, async (engine) => {
      const handle = await engine.start(workflow, input);
      announceStart(file, { id: handle.id, workflowName: workflow.name, dbPath }, options, ctx);
      return handle.id;
    });
  } finally {
    await store.close();
  }
}
