import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CliError } from '../cli-error.ts';
import { type CliConfig, DEFAULT_WORKFLOWS_DIR, resolveWorkflowsDir } from '../config.ts';

export function isYamlPath(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

/** What `waymark run <arg>` names. */
export type WorkflowTarget =
  { kind: 'module'; file: string } | { kind: 'yaml'; file: string; path: string };

/**
 * An existing file is run as it is (YAML by its extension, anything else as a module). An
 * argument that is no file but a URL-safe id is looked up as `<dir>/<id>.workflow.yaml`.
 */
export async function resolveWorkflowTarget(
  arg: string,
  config: CliConfig,
  dir: string | undefined,
): Promise<WorkflowTarget> {
  const path = resolve(config.cwd, arg);
  const info = await stat(path).catch(() => null);
  if (info?.isFile() === true)
    return isYamlPath(path) ? { kind: 'yaml', file: arg, path } : { kind: 'module', file: arg };
  if (info !== null) return { kind: 'module', file: arg }; // a directory: the loader says so
  if (isYamlPath(path)) throw new CliError(`no such file: ${path}`);
  // Imported only here: running a module needs nothing of the YAML side.
  const { WORKFLOW_ID } = await import('../../dsl/schema.ts');
  if (!WORKFLOW_ID.test(arg)) return { kind: 'module', file: arg };
  const { WORKFLOW_FILE_SUFFIX } = await import('../../dsl/registry/index.ts');
  const registered = join(resolveWorkflowsDir(config, dir), `${arg}${WORKFLOW_FILE_SUFFIX}`);
  const found = await stat(registered).catch(() => null);
  if (found?.isFile() === true) return { kind: 'yaml', file: registered, path: registered };
  throw new CliError(
    `no workflow "${arg}": looked for the file ${path} and for ${registered} in the workflows directory (--dir, default ./${DEFAULT_WORKFLOWS_DIR})`,
  );
}
