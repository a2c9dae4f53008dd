import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type WorkflowDefinition, isWorkflowDefinition } from '../runtime/workflow.ts';
import { CliError } from './cli-error.ts';

export interface WorkflowModule {
  /** Absolute path of the module. */
  path: string;
  /** The workflow to start: the default export, or the export named by `--workflow`. */
  selected: WorkflowDefinition | null;
  /** Every workflow the module exports, once each: registered so child workflows run too. */
  workflows: WorkflowDefinition[];
}

/**
 * Imports a workflow module (`.ts` loads without a build step when tsx is registered, as the
 * `waymark` bin does). `exportName` picks a named export instead of the default one; it may
 * also be a workflow's own name. With `requireSelected: false` (resume), a module without a
 * default workflow is fine as long as it exports some workflow.
 */
export async function loadWorkflowModule(
  file: string,
  cwd: string,
  options: { exportName?: string; requireSelected?: boolean } = {},
): Promise<WorkflowModule> {
  const path = resolve(cwd, file);
  const info = await stat(path).catch(() => null);
  if (info === null) throw new CliError(`no such file: ${path}`);
  if (!info.isFile()) throw new CliError(`not a file: ${path}`);

  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`cannot load ${path}: ${loadErrorText(error)}`);
  }

  const exportNames = Object.keys(exports);
  const workflows: WorkflowDefinition[] = [];
  const namedWorkflows: string[] = [];
  for (const [name, value] of Object.entries(exports)) {
    if (!isWorkflowDefinition(value)) continue;
    namedWorkflows.push(name);
    if (!workflows.includes(value)) workflows.push(value);
  }
  const selected = select(exports, workflows, options.exportName);
  if (options.exportName !== undefined && selected === null) {
    throw new CliError(
      `${path} has no workflow export named "${options.exportName}" (workflow exports: ${listOrNone(namedWorkflows)})`,
    );
  }
  if (workflows.length === 0) {
    throw new CliError(
      `${path} exports no workflow (made with defineWorkflow); its exports: ${listOrNone(exportNames)}`,
    );
  }
  if (selected === null && options.requireSelected !== false) {
    throw new CliError(
      `${path} has no default-exported workflow; pass --workflow <name> (workflow exports: ${listOrNone(namedWorkflows)})`,
    );
  }
  return { path, selected, workflows };
}

function select(
  exports: Record<string, unknown>,
  workflows: WorkflowDefinition[],
  exportName: string | undefined,
): WorkflowDefinition | null {
  if (exportName !== undefined) {
    const byExport = exports[exportName];
    if (isWorkflowDefinition(byExport)) return byExport;
    return workflows.find((w) => w.name === exportName) ?? null;
  }
  const fallback = exports['default'];
  if (isWorkflowDefinition(fallback)) return fallback;
  // A module with exactly one workflow needs no default export to be unambiguous.
  return workflows.length === 1 ? (workflows[0] as WorkflowDefinition) : null;
}

function listOrNone(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}

/**
 * An import failure, as short as it can be said: a syntax error as `file:line:column: message`
 * (without esbuild's "Transform failed with 1 error:" and "ERROR:"), a missing module without
 * Node's "Require stack" list. Other messages are kept whole (a ValidationError lists its
 * problems on the lines after the first).
 */
export function loadErrorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message.split('\n').filter((line) => line.trim() !== '');
  if (/^Transform failed with \d+ errors?:/.test(lines[0] ?? '')) {
    const located = lines.filter((line) => /:\d+:\d+: ERROR: /.test(line));
    const first = located[0];
    if (first !== undefined) {
      const more = located.length - 1;
      return first.replace(': ERROR: ', ': ') + (more > 0 ? ` (and ${more} more)` : '');
    }
  }
  const stack = lines.findIndex((line) => line.startsWith('Require stack:'));
  const kept = (stack === -1 ? lines : lines.slice(0, stack)).join('\n').trim();
  if (kept !== '') return kept;
  return error instanceof Error ? error.name : String(error);
}
