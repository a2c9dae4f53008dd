import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { WaymarkError } from '../../core/errors.ts';
import { WorkflowValidationError } from '../../dsl/diagnostics.ts';
import { loadWorkflowDocument } from '../../dsl/load-workflow-file.ts';
import {
  createWorkflowRegistry,
  type RegisteredWorkflow,
  type WorkflowRegistry,
} from '../../dsl/registry/index.ts';
import { CliError, EXIT_FAILURE, EXIT_OK } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { resolveWorkflowsDir } from '../config.ts';
import { formatDiagnosticLines, formatFileDiagnostics } from '../format/diagnostics.ts';
import { formatJson } from '../format/json.ts';
import { formatTable } from '../format/table.ts';
import type { DirOptions, JsonOptions } from './workflows.ts';

function registryOf(options: DirOptions, ctx: CliContext): WorkflowRegistry {
  // Nested runs are checked as `waymark run <id>` will resolve them: in this directory.
  return createWorkflowRegistry({
    dir: resolveWorkflowsDir(ctx.config, options.dir),
    checkNestedRuns: true,
  });
}

export async function listWorkflows(options: JsonOptions, ctx: CliContext): Promise<number> {
  const workflows = await withRegistryErrors(() => registryOf(options, ctx).list());
  if (options.json === true) {
    ctx.io.stdout(formatJson({ workflows }));
    return EXIT_OK;
  }
  if (workflows.length === 0) {
    ctx.io.stdout('no workflows registered\n');
    return EXIT_OK;
  }
  const { style } = ctx;
  const rows = workflows.map((w) => [
    w.id,
    w.name ?? '',
    w.version === undefined ? '' : String(w.version),
    w.valid ? style.green('valid') : style.red('invalid'),
  ]);
  ctx.io.stdout(formatTable(['ID', 'NAME', 'VERSION', 'STATUS'], rows));
  return EXIT_OK;
}

export async function showWorkflow(
  id: string,
  options: JsonOptions,
  ctx: CliContext,
): Promise<number> {
  const workflow = await withRegistryErrors(() => registryOf(options, ctx).get(id));
  if (workflow === undefined) throw new CliError(`workflow "${id}" not found`);
  const valid = workflow.document !== undefined;
  if (options.json === true) {
    ctx.io.stdout(formatJson({ ...workflow, valid }));
    return EXIT_OK;
  }
  ctx.io.stdout(formatWorkflow(workflow, ctx));
  return EXIT_OK;
}

function formatWorkflow(workflow: RegisteredWorkflow, ctx: CliContext): string {
  const { style } = ctx;
  const doc = workflow.document;
  const lines = [`Workflow  ${workflow.id}`];
  if (doc?.name !== undefined) lines.push(`Name      ${doc.name}`);
  if (doc?.version !== undefined) lines.push(`Version   ${doc.version}`);
  lines.push(`File      ${workflow.file}`);
  lines.push(`Status    ${doc === undefined ? style.red('invalid') : style.green('valid')}`);
  const diagnostics = formatDiagnosticLines(workflow.diagnostics, style, '  ');
  return `${lines.join('\n')}\n${diagnostics}\n${workflow.source.trimEnd()}\n`;
}

export async function writeWorkflow(
  verb: 'create' | 'update',
  file: string,
  options: DirOptions,
  ctx: CliContext,
): Promise<number> {
  let source: string;
  try {
    source = await readFile(resolve(ctx.config.cwd, file), 'utf8');
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
  const registry = registryOf(options, ctx);
  let workflow: RegisteredWorkflow;
  try {
    if (verb === 'create') workflow = await registry.create(source, { file });
    else {
      const id = loadWorkflowDocument(source, file).document?.id;
      // An invalid file fails in update() with its diagnostics, whatever id is tried.
      workflow = await registry.update(id ?? 'invalid', source, { file });
    }
  } catch (error) {
    if (!(error instanceof WorkflowValidationError)) throw registryError(error);
    const outcome = verb === 'create' ? 'not registered' : 'not updated';
    ctx.io.stderr(formatFileDiagnostics(file, error.diagnostics, ctx.style, outcome));
    return EXIT_FAILURE;
  }
  ctx.io.stdout(ctx.style.green(`✔ ${verb}d workflow ${workflow.id} (${workflow.file})\n`));
  return EXIT_OK;
}

export async function deleteWorkflow(
  id: string,
  options: DirOptions,
  ctx: CliContext,
): Promise<number> {
  const deleted = await withRegistryErrors(() => registryOf(options, ctx).delete(id));
  if (!deleted) throw new CliError(`workflow "${id}" not found`);
  ctx.io.stdout(ctx.style.green(`✔ deleted workflow ${id}\n`));
  return EXIT_OK;
}

/** Registry refusals (an existing or invalid id, …) are failures of the command (exit 1). */
async function withRegistryErrors<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw registryError(error);
  }
}

function registryError(error: unknown): unknown {
  return error instanceof WaymarkError ? new CliError(error.message, EXIT_FAILURE) : error;
}
