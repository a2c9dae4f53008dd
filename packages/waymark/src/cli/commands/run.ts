import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { isTerminalStatus, type RunRecord } from '../../core/run.ts';
import { type Diagnostic, formatDiagnostic } from '../../dsl/diagnostics.ts';
import type { WorkflowDocument } from '../../dsl/document.ts';
import { formatPlan, planWorkflow } from '../../dsl/plan/index.ts';
import { createEngine, type Engine } from '../../runtime/engine.ts';
import type { WorkflowDefinition } from '../../runtime/workflow.ts';
import {
  CliError,
  EXIT_FAILURE,
  EXIT_INTERRUPTED,
  EXIT_OK,
  EXIT_USAGE,
  UsageError,
} from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { CLI_WORKER_OPTIONS, resolveDbPath } from '../config.ts';
import { formatJson } from '../format/json.ts';
import { formatRunEnd, runSummary } from '../format/run-result.ts';
import { formatMs, formatTime } from '../format/time.ts';
import { loadWorkflowModule, type WorkflowModule } from '../load-workflow-module.ts';
import { type CliStore, openCliStore } from '../open-store.ts';
import { parseInput } from '../parse-input.ts';
import { startRunLogs } from '../run-logs.ts';
import { RunProgress } from '../run-progress.ts';
import { printStepSummary } from '../run-summary.ts';
import { waitForRun } from '../wait-for-run.ts';
import {
  compileYaml,
  type CompileYamlOptions,
  DEFAULT_WORKFLOWS_DIR,
  resolveWorkflowTarget,
  validateYaml,
  type WorkflowTarget,
} from '../yaml-workflow.ts';

export interface RunOptions {
  input?: string[];
  inputJson?: string;
  db?: string;
  workflow?: string;
  resume?: string;
  json?: boolean;
  dryRun?: boolean;
  dir?: string;
  summary?: boolean;
}

const RUN_HELP = `
The run executes in this process, with a worker that also picks up other due runs of the
module's workflows in the same database. Every step's result is recorded as it happens.

Stopping and resuming:
  Ctrl-C, SIGTERM   the step in flight may finish (up to ${formatMs(CLI_WORKER_OPTIONS.shutdownGraceMs)}), then the run is handed back
                    (status pending) and the command to resume it is printed; exit 130.
                    A second Ctrl-C exits at once.
  kill -9, a crash  the run stays "running" under this process's lease, which the CLI keeps
                    short (${formatMs(CLI_WORKER_OPTIONS.leaseMs)}, renewed every ${formatMs(CLI_WORKER_OPTIONS.leaseMs / 2)}): --resume waits for it to expire,
                    then continues from the last recorded step. The step cut off may run
                    again (steps run at least once); recorded results are never recomputed.
  --resume <runId>  also continues a sleeping run (when its wake time comes), a paused one,
                    or one waiting for child runs; a finished run just prints its result.

YAML workflows (file.workflow.yaml, or an id found as <dir>/<id>.workflow.yaml):
  the file is validated first; any mistake is printed as file:line:column and nothing runs
  (exit 2). --dry-run prints the plan and runs nothing. A run records the exact text it
  started with (and its sha256): --resume continues with that text, not the file on disk.

Exit codes: 0 completed, 1 failed or cancelled (or an error), 2 usage error, 130 interrupted.
`;

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerRunCommand(
  program: Command,
  ctx: CliContext,
  done: (code: number) => void,
): void {
  program
    .command('run')
    .description(
      'run a workflow (a .ts/.js/.mjs module, a .yaml file, or a registered id) in this process and print its steps as they happen',
    )
    .argument(
      '<file>',
      'a workflow module (its default export is the workflow), a YAML workflow file, or the id of one in the workflows directory',
    )
    .option(
      '--input <key=value>',
      'an input field, repeatable; values parse as JSON when they can; a.b=1 nests',
      collect,
    )
    .option(
      '--input-json <json>',
      'the whole input as JSON (--input pairs are merged into it and win)',
    )
    .option(
      '--workflow <exportName>',
      'run this export of the module instead of its default export',
    )
    .option(
      '--resume <runId>',
      'continue an existing run (interrupted, crashed or sleeping) instead of starting one',
    )
    .option('--db <path>', 'SQLite database (default: $WAYMARK_DB or .waymark/waymark.db)')
    .option('--json', 'print only a final { runId, status, output?, error? } object')
    .option('--dry-run', 'YAML: print the plan (steps, conditions, executors) and run nothing')
    .option('--summary', 'after the result, print a table of the steps: status, attempts, duration')
    .option(
      '--dir <dir>',
      `YAML: the workflows directory for ids and nested runs (default ./${DEFAULT_WORKFLOWS_DIR})`,
    )
    .addHelpText('after', RUN_HELP)
    .action(async (file: string, options: RunOptions) =>
      done(await runCommand(file, options, ctx)),
    );
}

/**
 * `waymark run`: starts (or, with `--resume`, continues) a run and executes it with a worker
 * in this process. Ctrl-C stops the worker gracefully, which hands the run back to the store;
 * `--resume` picks it up again. A run whose process was killed keeps that process's lease
 * until it expires (CLI_WORKER_OPTIONS.leaseMs, 5 s): `--resume` waits for that.
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
  if (target.kind === 'module' && options.dryRun === true) {
    throw new UsageError('--dry-run works with YAML workflows (.yaml/.yml) only');
  }
  let yaml: YamlTarget | undefined;
  let document: WorkflowDocument | undefined;
  let module: WorkflowModule | undefined;
  if (target.kind === 'yaml') {
    if (options.workflow !== undefined) {
      throw new UsageError('--workflow selects an export of a module; a YAML file is one workflow');
    }
    yaml = await readYamlTarget(target, options, ctx);
    // A resumed run uses the definition it recorded, so the file on disk may since be broken.
    if (!resuming) {
      // A plan does not need the nested workflows: they are checked only with an explicit --dir.
      const checkRunsIn =
        options.dryRun === true && options.dir === undefined ? undefined : yaml.workflowsDir;
      const loaded = validateYaml(yaml.source, yaml.label, yaml.path, checkRunsIn);
      if (!loaded.ok) return reportDiagnostics(yaml.label, loaded.diagnostics, ctx);
      if (options.dryRun === true) {
        const plan = planWorkflow(loaded.document);
        ctx.io.stdout(options.json === true ? formatJson(plan) : formatPlan(plan));
        return EXIT_OK;
      }
      document = loaded.document;
    }
  } else {
    module = await loadWorkflowModule(file, ctx.config.cwd, {
      ...(options.workflow === undefined ? {} : { exportName: options.workflow }),
      requireSelected: !resuming,
    });
  }
  const dbPath = resolveDbPath(ctx.config, options.db);
  const store = await openCliStore(dbPath, { create: !resuming });
  try {
    const compileOptions = (workflowsDir: string): CompileYamlOptions => ({
      config: ctx.config,
      workflowsDir,
      recordedDefinition: async (runId) => (await store.getRun({ runId }))?.definition ?? null,
    });
    if (yaml !== undefined && document !== undefined) {
      const compiled = compileYaml(
        document,
        yaml.source,
        yaml.path,
        compileOptions(yaml.workflowsDir),
      );
      module = yamlModule(compiled, yaml.path);
    }
    if (options.resume !== undefined) {
      if (yaml !== undefined) {
        const recorded = await store.getRun({ runId: options.resume });
        if (recorded === null) throw new CliError(`no run with id ${options.resume} in ${dbPath}`);
        const compile = compileOptions(yaml.workflowsDir);
        module = resumeYamlModule(recorded, yaml, compile);
        module.workflows.push(
          ...recordedChildWorkflows(await unfinishedDescendants(recorded, store), yaml, compile),
        );
      }
      const existing = await prepareResume(options.resume, module as WorkflowModule, store, dbPath);
      if (isTerminalStatus(existing.status)) return report(existing, options, ctx);
      return await execute(file, module as WorkflowModule, store, options, ctx, async (engine) => {
        announceResume(existing, engine.clock.now(), options, ctx);
        if (existing.status === 'paused') await engine.resume(existing.id);
        return existing.id;
      });
    }
    const started = module as WorkflowModule;
    return await execute(file, started, store, options, ctx, async (engine) => {
      const handle = await engine.start(
        started.selected as NonNullable<WorkflowModule['selected']>,
        input,
      );
      if (options.json !== true) {
        ctx.io.stdout(
          `Run ${handle.id} of ${started.selected?.name ?? '?'} (db ${dbPath})\n` +
            ctx.style.dim(`  if interrupted: ${resumeCommand(file, handle.id, options)}`) +
            '\n',
        );
      }
      return handle.id;
    });
  } finally {
    await store.close();
  }
}

/** Runs a worker until the run ends or the user interrupts; `begin` starts or resumes the run. */
async function execute(
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
    if (outcome.type === 'ended') {
      const code = report(outcome.run, options, ctx);
      if (options.summary === true && options.json !== true) {
        await printStepSummary(engine, runId, ctx);
      }
      return code;
    }
    if (options.json !== true) {
      ctx.io.stdout(
        `\nInterrupted (${outcome.signal}): letting the step in flight finish (up to ${formatMs(CLI_WORKER_OPTIONS.shutdownGraceMs)}), then handing the run back…\n`,
      );
    }
    progress.interrupting();
    await engine.stop(); // the run parks at its next step boundary, due now
    const run = await engine.getRun(runId);
    // It may have ended during the stop's grace period: then that is the result.
    if (run !== null && isTerminalStatus(run.status)) return report(run, options, ctx);
    return reportInterrupted(file, runId, run, options, ctx);
  } finally {
    progress.stop();
    await engine.stop();
    logs.stop();
  }
}

async function prepareResume(
  runId: string,
  module: WorkflowModule,
  store: CliStore,
  dbPath: string,
): Promise<RunRecord> {
  const run = await store.getRun({ runId });
  if (run === null) throw new CliError(`no run with id ${runId} in ${dbPath}`);
  if (!isTerminalStatus(run.status) && !module.workflows.some((w) => w.name === run.workflowName)) {
    const names = module.workflows.map((w) => w.name).join(', ');
    throw new CliError(
      `run ${runId} is a run of workflow "${run.workflowName}", which ${module.path} does not export (it exports: ${names})`,
    );
  }
  return run;
}

function announceResume(run: RunRecord, now: number, options: RunOptions, ctx: CliContext): void {
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

function report(run: RunRecord, options: RunOptions, ctx: CliContext): number {
  const code = run.status === 'completed' ? EXIT_OK : EXIT_FAILURE;
  if (options.json === true) {
    ctx.io.stdout(formatJson(runSummary(run)));
    return code;
  }
  const { stdout, stderr } = formatRunEnd(run, ctx.style);
  ctx.io.stdout(stdout);
  if (stderr !== '') ctx.io.stderr(stderr);
  return code;
}

function reportInterrupted(
  file: string,
  runId: string,
  run: RunRecord | null,
  options: RunOptions,
  ctx: CliContext,
): number {
  const resume = resumeCommand(file, runId, options);
  if (options.json === true) {
    ctx.io.stdout(
      formatJson({ runId, status: run?.status ?? 'unknown', interrupted: true, resume }),
    );
  } else {
    ctx.io.stdout(`Run ${runId} is ${run?.status ?? 'unknown'}. Continue it with:\n  ${resume}\n`);
  }
  return EXIT_INTERRUPTED;
}

/** The command that continues the run, as the user would type it in the same directory. */
function resumeCommand(file: string, runId: string, options: RunOptions): string {
  const db = options.db === undefined ? '' : ` --db ${shellQuote(options.db)}`;
  const dir = options.dir === undefined ? '' : ` --dir ${shellQuote(options.dir)}`;
  return `waymark run ${shellQuote(file)} --resume ${runId}${db}${dir}`;
}

interface YamlTarget {
  /** Absolute path of the file. */
  path: string;
  /** The name diagnostics carry: the file as the user typed it (or the registry file). */
  label: string;
  source: string;
  workflowsDir: string;
}

async function readYamlTarget(
  target: Extract<WorkflowTarget, { kind: 'yaml' }>,
  options: RunOptions,
  ctx: CliContext,
): Promise<YamlTarget> {
  let source: string;
  try {
    source = await readFile(target.path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${target.path}: ${(error as Error).message}`);
  }
  return {
    path: target.path,
    label: target.file,
    source,
    workflowsDir: resolve(ctx.config.cwd, options.dir ?? DEFAULT_WORKFLOWS_DIR),
  };
}

/** A compiled YAML workflow in the shape the run path takes a module in. */
function yamlModule(definition: WorkflowDefinition, path: string): WorkflowModule {
  return { path, selected: definition, workflows: [definition], exportNames: [] };
}

/**
 * The definition a YAML run resumes with: the text it recorded when it started, compiled
 * again, so editing the file never changes a run in flight. A run without a recorded
 * definition (started before runs recorded one) uses the file.
 */
function resumeYamlModule(
  run: RunRecord,
  yaml: YamlTarget,
  compileOptions: CompileYamlOptions,
): WorkflowModule {
  const recorded = run.definition;
  const source = recorded?.source ?? yaml.source;
  const path = recorded === null ? yaml.path : (recorded.file ?? yaml.path);
  const label = recorded === null ? yaml.label : `${path} (recorded by run ${run.id})`;
  // The run started with this text: nested workflows that have gone since do not stop it here.
  const loaded = validateYaml(source, label, path, undefined);
  if (!loaded.ok) {
    throw new CliError(
      `the definition of run ${run.id} does not validate:\n${loaded.diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}`,
    );
  }
  return yamlModule(compileYaml(loaded.document, source, path, compileOptions), yaml.path);
}

/**
 * The unfinished child runs (at any depth) of a YAML run, compiled from the definitions they
 * recorded: registered up front, so this worker picks them up even though the parent only
 * names them again when it replays past them, and with their own recorded text (the first
 * definition of a name wins in the engine's registry).
 */
function recordedChildWorkflows(
  descendants: RunRecord[],
  yaml: YamlTarget,
  compileOptions: CompileYamlOptions,
): WorkflowDefinition[] {
  const names = new Set<string>();
  const out: WorkflowDefinition[] = [];
  for (const child of descendants) {
    if (child.definition === null || names.has(child.workflowName)) continue;
    names.add(child.workflowName);
    out.push(resumeYamlModule(child, yaml, compileOptions).selected as WorkflowDefinition);
  }
  return out;
}

/** The unfinished child runs of a run, at any depth. */
async function unfinishedDescendants(run: RunRecord, store: CliStore): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  const queue = [run.id];
  while (queue.length > 0) {
    const parentRunId = queue.shift() as string;
    let cursor: string | null = null;
    do {
      const page = await store.listRuns({ parentRunId, limit: 1000, cursor });
      for (const child of page.runs) {
        if (isTerminalStatus(child.status)) continue;
        queue.push(child.id);
        out.push(child);
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
  }
  return out;
}

function reportDiagnostics(label: string, diagnostics: Diagnostic[], ctx: CliContext): number {
  const { style } = ctx;
  for (const d of diagnostics) {
    ctx.io.stderr(
      (d.severity === 'error' ? formatDiagnostic(d) : style.yellow(formatDiagnostic(d))) + '\n',
    );
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  ctx.io.stderr(
    style.red(`✘ ${label}: ${errors} error${errors === 1 ? '' : 's'}; nothing was run`) + '\n',
  );
  return EXIT_USAGE;
}

function shellQuote(text: string): string {
  return /^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
