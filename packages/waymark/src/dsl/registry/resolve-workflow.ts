import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseYaml } from '../parse-yaml.ts';
import type { ResolveWorkflow } from '../run-cycles.ts';
import { WORKFLOW_ID } from '../schema.ts';

/** A registered workflow's file is `<dir>/<id>.workflow.yaml`. */
export const WORKFLOW_FILE_SUFFIX = '.workflow.yaml';

export interface ResolveWorkflowOptions {
  /** The workflows directory that ids are looked up in. */
  dir: string;
  /** The file being validated: paths in `run.workflow` are relative to its directory. */
  file: string;
}

/**
 * A resolver for `loadWorkflowDocument`'s cycle check: a `run.workflow` that looks like a
 * file (`.yaml`/`.yml`) is read relative to the workflow's file, anything else is an id in
 * the workflows directory. Synchronous, because validation is; each file is read once.
 */
export function resolveWorkflowFrom(options: ResolveWorkflowOptions): ResolveWorkflow {
  const cache = new Map<string, unknown>();
  return (ref) => {
    const path = fileOf(ref, options);
    if (path === undefined) return undefined;
    if (!cache.has(path)) cache.set(path, readParsed(path));
    return cache.get(path);
  };
}

function fileOf(ref: string, options: ResolveWorkflowOptions): string | undefined {
  if (/\.ya?ml$/.test(ref)) return isAbsolute(ref) ? ref : resolve(dirname(options.file), ref);
  return WORKFLOW_ID.test(ref) ? join(options.dir, `${ref}${WORKFLOW_FILE_SUFFIX}`) : undefined;
}

function readParsed(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  return parseYaml(text, path).parsed?.value;
}
