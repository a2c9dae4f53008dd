import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { WorkflowDefinition } from '../runtime/workflow.ts';
import { CliError, UsageError } from './cli-error.ts';
import { diagnosticsMessage } from './format/diagnostics.ts';
import type { CliConfig } from './config.ts';
import { loadWorkflowModule } from './load-workflow-module.ts';
import { isYamlPath } from './run/workflow-target.ts';
import { compileYaml, type CompileYamlOptions, validateYaml } from './yaml-workflow.ts';

/** Files a workflows directory contributes: YAML workflows and workflow modules. */
const WORKFLOW_FILE = /\.workflow\.(ya?ml|[cm]?[jt]s)$/i;

export interface WorkerWorkflows {
  workflows: WorkflowDefinition[];
  /** Each workflow's name and the file it came from, for the worker's banner. */
  sources: Array<{ name: string; file: string }>;
}

/**
 * The workflows a worker executes, from files and directories: a YAML file is validated
 * (every mistake reported, file:line:column) and compiled; a module contributes every
 * workflow it exports; a directory contributes its `*.workflow.yaml` and `*.workflow.ts`
 * (.js, .mjs …) files. Two files defining one workflow name is an error: a worker must know
 * which definition a run of that name gets.
 */
export async function loadWorkerWorkflows(
  targets: readonly string[],
  config: CliConfig,
  yaml: Omit<CompileYamlOptions, 'config'>,
): Promise<WorkerWorkflows> {
  const files: string[] = [];
  for (const target of targets) files.push(...(await filesOf(resolve(config.cwd, target))));
  const loaded: WorkerWorkflows = { workflows: [], sources: [] };
  const origin = new Map<string, string>();
  for (const file of files) {
    for (const workflow of await loadFile(file, config, yaml)) {
      const first = origin.get(workflow.name);
      if (first !== undefined && first !== file) {
        throw new CliError(
          `workflow "${workflow.name}" is defined twice: in ${first} and in ${file}`,
        );
      }
      if (first !== undefined) continue;
      origin.set(workflow.name, file);
      loaded.workflows.push(workflow);
      loaded.sources.push({ name: workflow.name, file });
    }
  }
  if (loaded.workflows.length === 0) {
    throw new UsageError(
      `no workflows found in ${targets.join(', ')} (pass workflow files, or directories of *.workflow.yaml / *.workflow.ts files)`,
    );
  }
  return loaded;
}

async function filesOf(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => null);
  if (info === null) throw new CliError(`no such file or directory: ${path}`);
  if (info.isFile()) return [path];
  const names = (await readdir(path)).filter((name) => WORKFLOW_FILE.test(name)).sort();
  return names.map((name) => join(path, name));
}

async function loadFile(
  file: string,
  config: CliConfig,
  yaml: Omit<CompileYamlOptions, 'config'>,
): Promise<WorkflowDefinition[]> {
  if (!isYamlPath(file)) {
    return (await loadWorkflowModule(file, config.cwd, { requireSelected: false })).workflows;
  }
  const source = await readFile(file, 'utf8');
  const checked = validateYaml(source, file, file, yaml.workflowsDir);
  if (!checked.ok) {
    throw new UsageError(diagnosticsMessage(`${file} does not validate`, checked.diagnostics));
  }
  return [compileYaml(checked, source, file, { ...yaml, config })];
}
