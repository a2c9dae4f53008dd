/** Nested `run`s must not form a cycle (A runs B runs A): each would start a child forever. */
import { type DocumentIssue, isRecord } from './document-issue.ts';
import { allSteps, type StepVisit } from './step-tree.ts';

/** Finds a workflow by id or path; the parsed document, valid or not, or undefined. */
export type ResolveWorkflow = (ref: string) => unknown;

const MAX_CHAIN = 100;

export function findRunCycles(
  root: Record<string, unknown>,
  rootSteps: StepVisit[],
  resolve: ResolveWorkflow,
): DocumentIssue[] {
  const rootId = typeof root.id === 'string' ? root.id : '(this workflow)';
  const issues: DocumentIssue[] = [];
  // Workflows fully explored without meeting a cycle: depth-first search's "black" set,
  // which keeps a diamond of runs from being explored once per path.
  const done = new Set<string>();
  for (const { step, path } of rootSteps) {
    const ref = runRef(step);
    if (ref === undefined) continue;
    const refPath = [...path, 'run', 'workflow'];
    const target = resolve(ref);
    if (target === undefined) {
      issues.push({
        path: refPath,
        message: `workflow "${ref}" not found`,
        hint: 'give the id of a registered workflow or a path to a .workflow.yaml file',
      });
      continue;
    }
    const cycle = cycleFrom(target, ref, [rootId], resolve, done);
    if (cycle !== undefined) {
      issues.push({
        path: refPath,
        message: `nested runs form a cycle: ${cycle.join(' → ')}`,
        hint: 'a workflow may not run itself, directly or through others',
      });
    }
  }
  return issues;
}

/** Depth-first from `doc`; the chain of ids back to one already on `chain`, if any. */
function cycleFrom(
  doc: unknown,
  ref: string,
  chain: string[],
  resolve: ResolveWorkflow,
  done: Set<string>,
): string[] | undefined {
  const id = isRecord(doc) && typeof doc.id === 'string' ? doc.id : ref;
  if (chain.includes(id)) return [...chain, id];
  if (done.has(id) || !isRecord(doc) || chain.length >= MAX_CHAIN) return undefined;
  for (const { step } of allSteps(doc)) {
    const next = runRef(step);
    if (next === undefined) continue;
    const target = resolve(next);
    if (target === undefined) {
      // Unresolvable, but naming a workflow on the chain by id (the root, most often).
      if ([...chain, id].includes(next)) return [...chain, id, next];
      continue;
    }
    const cycle = cycleFrom(target, next, [...chain, id], resolve, done);
    if (cycle !== undefined) return cycle;
  }
  done.add(id);
  return undefined;
}

function runRef(step: Record<string, unknown>): string | undefined {
  const run = step.run;
  if (!isRecord(run) || typeof run.workflow !== 'string') return undefined;
  // An expression here is refused by validation (checkRunTargets) and not resolved.
  return run.workflow.includes('${') ? undefined : run.workflow;
}
