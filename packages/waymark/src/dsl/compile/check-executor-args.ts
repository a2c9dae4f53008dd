/**
 * The `with:` arguments of every executor step and `uses` stage, checked against the
 * executor's schema when the workflow loads, so `waymark validate` reports them at
 * file:line:column. Values holding a `${ }` are not known yet: a problem at (or inside) one
 * is left to the check that runs after evaluation, when the step runs.
 */
import { checkExecutorArgs, type ExecutorRegistry } from '../../executors/index.ts';
import type { DocumentIssue } from '../document-issue.ts';
import { isRecord } from '../document-issue.ts';
import type { DocumentPath } from '../parse-yaml.ts';
import { allStepNodes, type BuiltWorkflow, type StageNode, type StepNode } from './step-nodes.ts';
import { hasTemplate } from './template-text.ts';

type UsesNode =
  Extract<StepNode, { kind: 'uses' }> | Extract<StageNode, { kind: 'uses' | 'provider' }>;

/**
 * `reportUnknown`: an executor the registry lacks is an issue too (the loader's semantic
 * checks report those themselves, with a suggestion).
 */
export function checkExecutorArguments(
  built: BuiltWorkflow,
  executors: ExecutorRegistry,
  options: { reportUnknown: boolean },
): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  for (const { node, path } of usesNodes(built)) {
    const executor = executors.get(node.executor);
    if (executor === undefined) {
      if (options.reportUnknown) {
        issues.push({ path, message: `unknown executor "${node.executor}"` });
      }
      continue;
    }
    const checked = checkExecutorArgs(executor, node.givenWith);
    if (checked.ok) continue;
    for (const issue of checked.issues) {
      if (templatedAlong(node.givenWith, issue.path)) continue;
      issues.push(located(node, issue.path, issue.message, issue.atKey === true));
    }
  }
  return issues;
}

/** Whether a `${ }` stands at `path` or on the way to it. */
function templatedAlong(args: unknown, path: ReadonlyArray<string | number>): boolean {
  let value = args;
  for (const segment of path) {
    if (typeof value === 'string') break;
    value =
      Array.isArray(value) || isRecord(value)
        ? (value as Record<string, unknown>)[segment]
        : undefined;
  }
  return hasTemplate(value);
}

/** An issue of a split word argument points at its word inside the string. */
function located(
  node: UsesNode,
  path: ReadonlyArray<string | number>,
  message: string,
  atKey: boolean,
): DocumentIssue {
  const [name, word] = path;
  const offsets = typeof name === 'string' ? node.wordOffsets[name] : undefined;
  if (offsets !== undefined && typeof word === 'number') {
    return { path: [...node.withPath, name as string], index: offsets[word] ?? 0, message };
  }
  if (node.withPath.at(-1) === 'uses') return { path: node.withPath, message };
  return { path: [...node.withPath, ...path], message, ...(atKey ? { atKey } : {}) };
}

function usesNodes(built: BuiltWorkflow): Array<{ node: UsesNode; path: DocumentPath }> {
  return [
    ...allStepNodes(built).flatMap((n) => (n.kind === 'uses' ? [{ node: n, path: n.path }] : [])),
    ...built.stages.flatMap((s) =>
      s.kind === 'uses' || s.kind === 'provider'
        ? [{ node: s, path: ['stage_configs', s.name] as DocumentPath }]
        : [],
    ),
  ];
}
