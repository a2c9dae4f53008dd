/**
 * The YAML path of `waymark run`: the file is read, validated and (`--dry-run`) planned before
 * any database is opened; then it is compiled — or, to resume a run, the text that run
 * recorded — into the workflows this process's worker executes.
 */
import { readFile } from 'node:fs/promises';
import { isTerminalStatus, type RunRecord } from '../../core/run.ts';
import { formatPlan, planWorkflow } from '../../dsl/plan/index.ts';
import type { WorkflowDefinition } from '../../runtime/workflow.ts';
import { CliError, EXIT_OK, EXIT_USAGE } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import type { RunOptions } from '../commands/run.ts';
import { resolveWorkflowsDir } from '../config.ts';
import { diagnosticsMessage, formatFileDiagnostics } from '../format/diagnostics.ts';
import { formatJson } from '../format/json.ts';
import type { WorkflowModule } from '../load-workflow-module.ts';
import type { CliStore } from '../open-store.ts';
import { compileYaml, type CompileYamlOptions, validateYaml } from '../yaml-workflow.ts';
import type { WorkflowTarget } from './workflow-target.ts';

/** The workflows to run, once the store is open (`resumed`: the run `--resume` continues). */
export type LoadWorkflows = (store: CliStore, resumed: RunRecord | null) => Promise<WorkflowModule>;

interface YamlFile {
  /** Absolute path of the file. */
  path: string;
  /** The name diagnostics carry: the file as the user typed it (or the registry file). */
  label: string;
  source: string;
  workflowsDir: string;
}

/**
 * Reads the file; for a new run, validates it (any error: diagnostics, exit 2) and with
 * `--dry-run` prints its plan (exit 0). Either way `done` ends the command; otherwise `load`
 * compiles the workflows once the store is open.
 */
export async function prepareYamlRun(
  target: Extract<WorkflowTarget, { kind: 'yaml' }>,
  options: RunOptions,
  ctx: CliContext,
): Promise<{ done: number } | { load: LoadWorkflows }> {
  const yaml = await readYamlFile(target, options, ctx);
  // A resumed run uses the definition it recorded, so the file on disk may since be broken.
  if (options.resume !== undefined) {
    return { load: (store, run) => resumedWorkflows(run as RunRecord, yaml, store, ctx) };
  }
  const loaded = validateYaml(yaml.source, yaml.label, yaml.path, yaml.workflowsDir);
  if (!loaded.ok) {
    ctx.io.stderr(
      formatFileDiagnostics(yaml.label, loaded.diagnostics, ctx.style, 'nothing was run'),
    );
    return { done: EXIT_USAGE };
  }
  if (options.dryRun === true) {
    const plan = planWorkflow(loaded.document);
    ctx.io.stdout(options.json === true ? formatJson(plan) : formatPlan(plan));
    return { done: EXIT_OK };
  }
  return {
    load: async (store) => {
      const options = compileOptions(yaml, store, ctx);
      return yamlModule(compileYaml(loaded.document, yaml.source, yaml.path, options), yaml.path);
    },
  };
}

async function readYamlFile(
  target: Extract<WorkflowTarget, { kind: 'yaml' }>,
  options: RunOptions,
  ctx: CliContext,
): Promise<YamlFile> {
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
    workflowsDir: resolveWorkflowsDir(ctx.config, options.dir),
  };
}

function compileOptions(yaml: YamlFile, store: CliStore, ctx: CliContext): CompileYamlOptions {
  return {
    config: ctx.config,
    workflowsDir: yaml.workflowsDir,
    recordedDefinition: async (runId) => (await store.getRun({ runId }))?.definition ?? null,
  };
}

/** A compiled YAML workflow in the shape the run path takes a module in. */
function yamlModule(definition: WorkflowDefinition, path: string): WorkflowModule {
  return { path, selected: definition, workflows: [definition] };
}

/**
 * The workflows a resumed run needs: its own recorded definition, and those of its
 * unfinished child runs (at any depth), registered up front so this worker picks them up
 * even though the parent only names them again when it replays past them.
 */
async function resumedWorkflows(
  run: RunRecord,
  yaml: YamlFile,
  store: CliStore,
  ctx: CliContext,
): Promise<WorkflowModule> {
  const options = compileOptions(yaml, store, ctx);
  const module = recordedModule(run, yaml, options);
  // The first definition of a name wins in the engine's registry: one per workflow name.
  const names = new Set([run.workflowName]);
  for (const child of await unfinishedDescendants(run, store)) {
    if (child.definition === null || names.has(child.workflowName)) continue;
    names.add(child.workflowName);
    module.workflows.push(recordedModule(child, yaml, options).selected as WorkflowDefinition);
  }
  return module;
}

/**
 * The definition a run resumes with: the text it recorded when it started, compiled again,
 * so editing the file never changes a run in flight. A run without a recorded definition
 * (started before runs recorded one) uses the file.
 */
function recordedModule(
  run: RunRecord,
  yaml: YamlFile,
  options: CompileYamlOptions,
): WorkflowModule {
  const recorded = run.definition;
  const source = recorded?.source ?? yaml.source;
  const path = recorded === null ? yaml.path : (recorded.file ?? yaml.path);
  const label = recorded === null ? yaml.label : `${path} (recorded by run ${run.id})`;
  // The run started with this text: nested workflows that have gone since do not stop it here.
  const loaded = validateYaml(source, label, path, undefined);
  if (!loaded.ok) {
    throw new CliError(
      diagnosticsMessage(`the definition of run ${run.id} does not validate`, loaded.diagnostics),
    );
  }
  return yamlModule(compileYaml(loaded.document, source, path, options), yaml.path);
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
