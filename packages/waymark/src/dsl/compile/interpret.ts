/**
 * Runs a built step tree with the workflow context's primitives. Everything here is either a
 * durable ctx call or a pure function of recorded values, so replay walks the same path and
 * rebuilds the same `steps.<id>` state: nothing besides the ctx calls is persisted.
 *
 * Step keys: a step's id, prefixed inside iterations with `<id>[<i>].` (foreach and loop) or
 * `stage.<name>[<iteration>].` (stages), so a key names the same work on every replay.
 */
import { parseDuration } from '../../core/durations.ts';
import { NonRetryableError, WaymarkError } from '../../core/errors.ts';
import type { RetryPolicy } from '../../core/retry-policy.ts';
import { serializeError } from '../../core/serialize-error.ts';
import type { WorkflowContext } from '../../runtime/workflow-context.ts';
import type { WorkflowDefinition } from '../../runtime/workflow.ts';
import type { ExecutorRegistry } from '../../executors/index.ts';
import type { ExpressionScope } from '../expressions/index.ts';
import type { Evaluate, StageNode, StepNode } from './build.ts';

export type StepStatus = 'succeeded' | 'failed' | 'skipped';

export interface Interpreter {
  ctx: WorkflowContext;
  executors: ExecutorRegistry;
  resolveWorkflow: ((ref: string) => WorkflowDefinition | undefined) | undefined;
  defaultTimeout: string | number | undefined;
}

export interface Frame {
  scope: ExpressionScope;
  /** Prepended to step ids to make keys. */
  prefix: string;
}

/** A step list in order; its output maps the ids of its steps to their outputs. */
export async function runSteps(
  it: Interpreter,
  nodes: readonly StepNode[],
  frame: Frame,
  mode: 'sequential' | 'parallel' = 'sequential',
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const record = (node: StepNode, value: unknown): void => {
    if (node.id !== undefined) out[node.id] = value;
  };
  if (mode === 'parallel') {
    const values = await inBranches(
      frame,
      nodes,
      (node, branch) => runStep(it, node, branch),
      true,
    );
    nodes.forEach((node, i) => record(node, values[i]));
    return out;
  }
  for (const node of nodes) record(node, await runStep(it, node, frame));
  return out;
}

/** One step of any kind: its condition, its body, `on_failure`, `outputs`. Returns its output. */
export async function runStep(it: Interpreter, node: StepNode, frame: Frame): Promise<unknown> {
  const { scope } = frame;
  if (node.condition !== undefined && node.condition(scope) !== true) {
    setStep(scope, node.id, { output: null, status: 'skipped', error: null });
    return null;
  }
  let output: unknown;
  try {
    output = await runBody(it, node, frame);
  } catch (error) {
    if (node.onFailure !== 'continue') throw error;
    setStep(scope, node.id, { output: null, status: 'failed', error: errorValue(error) });
    return null;
  }
  setStep(scope, node.id, { output, status: 'succeeded', error: null });
  if (node.outputs !== undefined) {
    output = node.outputs(scope);
    setStep(scope, node.id, { output, status: 'succeeded', error: null });
  }
  return output;
}

async function runBody(it: Interpreter, node: StepNode, frame: Frame): Promise<unknown> {
  const key = `${frame.prefix}${node.id ?? ''}`;
  switch (node.kind) {
    case 'uses':
      return runExecutor(it, frame, key, node.executor, node.with, {
        ...(node.retry === undefined ? {} : { retry: node.retry }),
        ...timeoutOption(node.timeout ?? it.defaultTimeout),
      });
    case 'steps':
      return runSteps(it, node.steps, frame);
    case 'parallel':
      return inBranches(frame, node.branches, (b, branch) => runStep(it, b, branch), node.failFast);
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
      return it.ctx.run(child, node.inputs(frame.scope), { name: key });
    }
    case 'wait': {
      if (node.until !== undefined) {
        const at = node.until(frame.scope);
        const ms = typeof at === 'number' ? at : Date.parse(String(at));
        if (!Number.isFinite(ms)) {
          throw new NonRetryableError(
            `step "${key}": wait.until "${String(at)}" is not an instant`,
          );
        }
        await it.ctx.sleepUntil(key, ms);
      } else {
        const d = node.duration?.(frame.scope);
        await it.ctx.sleep(key, typeof d === 'number' ? d : String(d));
      }
      return null;
    }
    case 'loop': {
      const outputs: unknown[] = [];
      for (let i = 0; i < node.maxIters; i++) {
        const scope = { ...frame.scope, iter: { index: i } };
        outputs.push(await runSteps(it, node.steps, { scope, prefix: `${key}[${i}].` }));
        if (node.stopWhen !== undefined && node.stopWhen(scope) === true) break;
      }
      return outputs;
    }
  }
}

/**
 * Runs `items` at once, each on its own copy of vars and steps; when all have ended, what each
 * changed is merged back in declaration order. Completion order differs between a first run
 * and a replay (recorded steps resolve at once), so merging by it would not be deterministic.
 */
async function inBranches<T>(
  frame: Frame,
  items: readonly T[],
  fn: (item: T, branch: Frame) => Promise<unknown>,
  failFast: boolean,
): Promise<unknown[]> {
  const branches = items.map(() => ({
    ...frame,
    scope: { ...frame.scope, vars: { ...frame.scope.vars }, steps: { ...frame.scope.steps } },
  }));
  const running = items.map(async (item, i) => fn(item, branches[i] as Frame));
  // fail_fast: the first failure ends the wait; branches still running are not awaited.
  if (failFast) await Promise.all(running);
  const settled = await Promise.allSettled(running);
  const { vars, steps } = frame.scope;
  const before = { vars: { ...vars }, steps: { ...steps } };
  for (const branch of branches) {
    for (const [k, v] of Object.entries(branch.scope.vars)) {
      if (v !== before.vars[k]) define(vars, k, v);
    }
    for (const [k, v] of Object.entries(branch.scope.steps)) {
      if (v !== before.steps[k]) define(steps, k, v);
    }
  }
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return settled.map((r) => (r.status === 'fulfilled' ? r.value : null));
}

function define(record: object, key: string, value: unknown): void {
  Object.defineProperty(record, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

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
  const results: unknown[] = new Array<unknown>(items.length).fill(null);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      // An isolated scope: the iteration's vars and steps are its own copies.
      const scope: ExpressionScope = {
        ...frame.scope,
        vars: { ...frame.scope.vars },
        steps: { ...frame.scope.steps },
        item: items[i],
        iter: { index: i },
      };
      results[i] = await runSteps(it, node.steps, { scope, prefix: `${key}[${i}].` });
    }
  };
  const workers = Math.max(1, Math.min(node.concurrency, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

async function runExecutor(
  it: Interpreter,
  frame: Frame,
  key: string,
  name: string,
  args: Evaluate,
  options: { retry?: RetryPolicy; timeout?: string | number },
): Promise<unknown> {
  const executor = it.executors.get(name);
  if (executor === undefined)
    throw new NonRetryableError(`step "${key}": unknown executor "${name}"`);
  const result = await it.ctx.step(key, options, async (sc) => {
    const parsed = executor.withSchema.safeParse(args(frame.scope));
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((i) => `${i.path.length === 0 ? 'with' : `with.${i.path.join('.')}`}: ${i.message}`)
        .join('; ');
      throw new NonRetryableError(`step "${key}" (${name}): invalid arguments: ${problems}`);
    }
    const r = await executor.run(parsed.data, {
      signal: sc.signal,
      runId: sc.runId,
      stepId: key,
      attempt: sc.attempt,
      env: {
        WAYMARK_RUN_ID: sc.runId,
        WAYMARK_STEP_ID: key,
        WAYMARK_ATTEMPT: String(sc.attempt),
      },
    });
    return { output: r.output ?? null, ...(r.vars === undefined ? {} : { vars: r.vars }) };
  });
  if (result.vars !== undefined) Object.assign(frame.scope.vars, result.vars);
  return result.output;
}

/** The stages in order, and the workflow `loop` back to `fallback_next_stage`. */
export async function runStages(
  it: Interpreter,
  stages: readonly StageNode[],
  loop:
    { maxIters: number; stopWhen: Evaluate | undefined; fallback: string | undefined } | undefined,
  root: ExpressionScope,
): Promise<void> {
  let from = 0;
  for (let iteration = 0; ; iteration++) {
    let last: ExpressionScope = root;
    for (const stage of stages.slice(from)) {
      last = { ...root, stage: { name: stage.name, iteration }, iter: { index: iteration } };
      await runStage(it, stage, last, iteration);
    }
    if (loop === undefined) return;
    if (loop.stopWhen !== undefined && loop.stopWhen(last) === true) return;
    if (iteration + 1 >= loop.maxIters) return;
    from =
      loop.fallback === undefined
        ? 0
        : Math.max(
            0,
            stages.findIndex((s) => s.name === loop.fallback),
          );
  }
}

async function runStage(
  it: Interpreter,
  stage: StageNode,
  scope: ExpressionScope,
  iteration: number,
): Promise<void> {
  const key = `stage.${stage.name}[${iteration}]`;
  let output: unknown;
  try {
    if (stage.kind === 'uses') {
      output = await runExecutor(it, { scope, prefix: '' }, key, stage.executor, stage.with, {
        ...(stage.retry === undefined ? {} : { retry: stage.retry }),
        ...timeoutOption(stage.timeout ?? it.defaultTimeout),
      });
    } else if (stage.kind === 'provider') {
      output = await it.ctx.step(key, { retry: { maxAttempts: 1 } }, () => {
        throw new WaymarkError(
          'NOT_IMPLEMENTED',
          `stage "${stage.name}" uses provider "${stage.provider}": agent providers are not implemented yet`,
        );
      });
    } else {
      output = await runSteps(it, stage.steps, { scope, prefix: `${key}.` }, stage.mode);
    }
  } catch (error) {
    if (stage.onFailure !== 'continue') throw error;
    setStep(scope, stage.name, { output: null, status: 'failed', error: errorValue(error) });
    return;
  }
  setStep(scope, stage.name, { output, status: 'succeeded', error: null });
}

function timeoutOption(timeout: string | number | undefined): { timeout?: string | number } {
  if (timeout === undefined) return {};
  parseDuration(timeout, 'timeout');
  return { timeout };
}

function setStep(
  scope: ExpressionScope,
  id: string | undefined,
  value: { output: unknown; status: StepStatus; error: unknown },
): void {
  if (id === undefined) return;
  Object.defineProperty(scope.steps, id, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** What `steps.<id>.error` shows: the code and message of the failure. */
function errorValue(error: unknown): { code: string; message: string } {
  const s = serializeError(error);
  return { code: s.code, message: s.message };
}
