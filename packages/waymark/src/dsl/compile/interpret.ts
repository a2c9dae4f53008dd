/**
 * Runs a built step tree with the workflow context's primitives. Everything here is either a
 * durable ctx call or a pure function of recorded values, so replay walks the same path and
 * rebuilds the same `steps.<id>` state: nothing besides the ctx calls is persisted.
 *
 * Step keys: a step's id, prefixed inside iterations with `<id>[<i>].` (foreach and loop) or
 * `stage.<name>[<iteration>].` (stages), and inside the second and later attempts of a
 * retried group with `<id>.attempt[<n>].`, so a key names the same work on every replay.
 */
import { NonRetryableError } from '../../core/errors.ts';
import type { WorkflowContext } from '../../runtime/workflow-context.ts';
import type { WorkflowDefinition } from '../../runtime/workflow.ts';
import type { ExecutorRegistry, InvokeOptions } from '../../executors/index.ts';
import { formatPath } from '../document-issue.ts';
import type { ExpressionScope } from '../expressions/index.ts';
import type { StepNode } from './step-nodes.ts';
import { runBranches } from './branches.ts';
import { runExecutor } from './run-executor.ts';
import { attemptPrefix, runAsGroup, runsAsGroup } from './retried-steps.ts';
import {
  cancelledBeforeStart,
  errorValue,
  isCancellation,
  setStep,
  type StepStatus,
} from './step-state.ts';

export interface Interpreter {
  ctx: WorkflowContext;
  executors: ExecutorRegistry;
  /** Where executors keep artifacts and resolve relative paths. */
  invoke: Pick<InvokeOptions, 'artifactsRoot' | 'baseDir'>;
  resolveWorkflow: ((ref: string) => WorkflowDefinition | undefined) | undefined;
  defaultTimeout: string | number | undefined;
  /** Whether the workflow has `defaults.retry` (steps without a `retry` use it). */
  hasDefaultRetry: boolean;
}

export interface Frame {
  scope: ExpressionScope;
  /** Prepended to step ids to make keys. */
  prefix: string;
  /** Aborted when a `fail_fast` scope around these steps is cancelled. */
  signal: AbortSignal | undefined;
}

/** A step list in order; its output maps the ids of its steps to their outputs. */
export async function runSteps(
  it: Interpreter,
  nodes: readonly StepNode[],
  frame: Frame,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const node of nodes) {
    const output = await runStep(it, node, frame);
    if (node.id !== undefined) out[node.id] = output;
  }
  return out;
}

/** One step of any kind: its condition, its body, `on_failure`, `outputs`. Returns its output. */
export async function runStep(it: Interpreter, node: StepNode, frame: Frame): Promise<unknown> {
  const { scope } = frame;
  if (node.condition !== undefined && node.condition(scope) !== true) {
    setStep(scope, node.id, { output: null, status: 'skipped', error: null });
    await recordSkip(it, node, frame);
    return null;
  }
  let output: unknown;
  const artifacts: string[] = [];
  try {
    if (runsAsGroup(node)) {
      const key = `${frame.prefix}${node.id ?? ''}`;
      output = await runAsGroup(it, key, node, frame.signal, (n, signal) =>
        runBody(it, node, {
          ...frame,
          prefix: n === 1 ? frame.prefix : attemptPrefix(key, n),
          signal,
        }),
      );
    } else {
      output = await runBody(it, node, frame, artifacts);
    }
  } catch (error) {
    // A cancellation always propagates: the scope it cancels must stop, whatever on_failure.
    const status: StepStatus = isCancellation(error)
      ? cancelledBeforeStart(error) && isLeaf(node)
        ? 'skipped'
        : 'cancelled'
      : 'failed';
    setStep(scope, node.id, { output: null, status, error: errorValue(error) });
    if (status !== 'failed' || node.onFailure !== 'continue') throw error;
    return null;
  }
  setStep(scope, node.id, { output, status: 'succeeded', error: null }, artifacts);
  if (node.outputs !== undefined) {
    output = node.outputs(scope);
    setStep(scope, node.id, { output, status: 'succeeded', error: null }, artifacts);
  }
  return output;
}

/**
 * The skip of a step whose `if` is false, recorded under the key the step would have had (a
 * step without an id: its place in the file), so the history shows the decision.
 */
function recordSkip(it: Interpreter, node: StepNode, frame: Frame): Promise<void> {
  const key = `${frame.prefix}${node.id ?? formatPath(node.path)}`;
  const reason = node.conditionText === 'false' ? 'if: false' : `if ${node.conditionText} is false`;
  return it.ctx.skip(key, reason, {
    data: { condition: node.conditionText },
    ...(frame.signal === undefined ? {} : { signal: frame.signal }),
  });
}

/** A step that is one durable call: it either started or it did not. */
function isLeaf(node: StepNode): boolean {
  return node.kind === 'uses' || node.kind === 'run' || node.kind === 'wait';
}

/** `artifacts` receives the files an executor step produced. */
async function runBody(
  it: Interpreter,
  node: StepNode,
  frame: Frame,
  artifacts: string[] = [],
): Promise<unknown> {
  const key = `${frame.prefix}${node.id ?? ''}`;
  const { signal } = frame;
  switch (node.kind) {
    case 'uses':
      return runExecutor(it, frame, key, node, artifacts);
    case 'steps':
      return runSteps(it, node.steps, frame);
    case 'parallel':
      return runBranches(
        frame,
        node.branches.length,
        (i, branch) => runStep(it, node.branches[i] as StepNode, branch),
        {
          owner: `parallel "${key}"`,
          label: (i) => branchLabel(node.branches, i),
          plural: 'branches',
          failFast: node.failFast,
          merge: true,
          code: 'BRANCHES_FAILED',
        },
      );
    case 'foreach':
      return runForeach(it, node, frame, key);
    case 'switch': {
      for (const c of node.cases) {
        if (c.when(frame.scope) === true) return runSteps(it, c.steps, frame);
      }
      return node.otherwise === undefined ? null : runSteps(it, node.otherwise, frame);
    }
    case 'run': {
      const child = it.resolveWorkflow?.(node.workflow);
      if (child === undefined) {
        throw new NonRetryableError(`step "${key}": workflow "${node.workflow}" is not known`);
      }
      return it.ctx.run(child, node.inputs(frame.scope), {
        name: key,
        signal,
        ...(node.timeout === undefined ? {} : { timeout: node.timeout }),
      });
    }
    case 'wait': {
      const options = signal === undefined ? {} : { signal };
      if (node.until !== undefined) {
        const at = node.until(frame.scope);
        const ms = typeof at === 'number' ? at : Date.parse(String(at));
        if (!Number.isFinite(ms)) {
          throw new NonRetryableError(
            `step "${key}": wait.until "${String(at)}" is not an instant`,
          );
        }
        await it.ctx.sleepUntil(key, ms, options);
      } else {
        const d = node.duration?.(frame.scope);
        await it.ctx.sleep(key, typeof d === 'number' ? d : String(d), options);
      }
      return null;
    }
    case 'loop': {
      const outputs: unknown[] = [];
      for (let i = 0; i < node.maxIters; i++) {
        const scope = { ...frame.scope, iter: { index: i } };
        outputs.push(await runSteps(it, node.steps, { ...frame, scope, prefix: `${key}[${i}].` }));
        if (node.stopWhen !== undefined && node.stopWhen(scope) === true) break;
      }
      return outputs;
    }
  }
}

/** Iterations in isolated scopes (their vars and steps are their own), bounded concurrency. */
async function runForeach(
  it: Interpreter,
  node: Extract<StepNode, { kind: 'foreach' }>,
  frame: Frame,
  key: string,
): Promise<unknown[]> {
  const items = node.items(frame.scope);
  if (!Array.isArray(items)) {
    throw new NonRetryableError(`step "${key}": foreach.items is not a list`);
  }
  return runBranches(
    frame,
    items.length,
    (i, branch) => {
      const item = items[i];
      const scope: ExpressionScope =
        node.as === undefined
          ? { ...branch.scope, item, iter: { index: i } }
          : {
              ...branch.scope,
              named: { ...branch.scope.named, [node.as]: item },
              iter: { index: i },
            };
      return runSteps(it, node.steps, { ...branch, scope, prefix: `${key}[${i}].` });
    },
    {
      owner: `foreach "${key}"`,
      label: (i) => `iteration ${i}`,
      plural: 'iterations',
      failFast: node.failFast,
      concurrency: node.concurrency,
      merge: false,
      code: 'ITERATIONS_FAILED',
    },
  );
}

export function branchLabel(nodes: readonly StepNode[], index: number): string {
  const id = nodes[index]?.id;
  return id === undefined ? `branch ${index}` : `branch "${id}"`;
}
