/** The stages in order, and the workflow `loop` back to `fallback_next_stage`. */
import type { ExpressionScope } from '../expressions/index.ts';
import type { Evaluate, StageNode, StepNode } from './step-nodes.ts';
import { runBranches } from './branches.ts';
import { branchLabel, type Frame, type Interpreter, runStep, runSteps } from './interpret.ts';
import { attemptPrefix, runAsGroup, runsAsGroup } from './retried-steps.ts';
import { runExecutor } from './run-executor.ts';
import { errorValue, setStep } from './step-state.ts';

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
  const frame: Frame = { scope, prefix: '', signal: undefined };
  let output: unknown;
  const artifacts: string[] = [];
  try {
    if (stage.kind === 'uses' || stage.kind === 'provider') {
      // A provider stage is a call of its agent's executor (whose default timeout it has).
      output = await runExecutor(it, frame, key, stage, artifacts);
    } else if (runsAsGroup(stage)) {
      output = await runAsGroup(it, key, stage, undefined, (n, signal) =>
        runStageSteps(it, stage, {
          ...frame,
          prefix: n === 1 ? `${key}.` : attemptPrefix(key, n),
          signal,
        }),
      );
    } else {
      output = await runStageSteps(it, stage, { ...frame, prefix: `${key}.` });
    }
  } catch (error) {
    setStep(scope, stage.name, { output: null, status: 'failed', error: errorValue(error) });
    if (stage.onFailure !== 'continue') throw error;
    return;
  }
  setStep(scope, stage.name, { output, status: 'succeeded', error: null }, artifacts);
}

/** A stage's steps, one after the other or (`mode: parallel`) at once, fail fast. */
async function runStageSteps(
  it: Interpreter,
  stage: Extract<StageNode, { kind: 'steps' }>,
  frame: Frame,
): Promise<Record<string, unknown>> {
  if (stage.mode === 'sequential') return runSteps(it, stage.steps, frame);
  const nodes = stage.steps;
  const values = await runBranches(
    frame,
    nodes.length,
    (i, branch) => runStep(it, nodes[i] as StepNode, branch),
    {
      owner: `stage "${stage.name}"`,
      label: (i) => branchLabel(nodes, i),
      plural: 'steps',
      failFast: true,
      merge: true,
      code: 'BRANCHES_FAILED',
    },
  );
  const out: Record<string, unknown> = {};
  nodes.forEach((node, i) => {
    if (node.id !== undefined) out[node.id] = values[i];
  });
  return out;
}
