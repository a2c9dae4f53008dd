import type { Step, WorkflowDocument } from '../document.ts';
import type { Plan, PlanStage, PlanStep } from './plan.ts';

/**
 * The plan of a validated document: what `waymark run file.yaml --dry-run` prints. Nothing
 * is evaluated; expressions appear as their text.
 *
 * @example
 * const { document } = loadWorkflowDocument(text, file);
 * if (document !== undefined) console.log(formatPlan(planWorkflow(document)));
 */
export function planWorkflow(document: WorkflowDocument): Plan {
  const stages: PlanStage[] = (document.stages ?? []).map((name) => {
    const config = document.stage_configs?.[name] ?? {};
    const { uses, steps, ...rest } = config;
    return {
      name,
      ...(uses === undefined ? {} : { executor: uses }),
      ...rest,
      steps: planSteps(steps ?? []),
    };
  });
  return {
    id: document.id,
    ...pick(document, ['name', 'version', 'defaults', 'timeout', 'loop', 'output']),
    inputs: document.inputs ?? {},
    vars: document.vars ?? {},
    secrets: document.secrets ?? [],
    steps: planSteps(document.steps ?? []),
    stages,
  };
}

function planSteps(steps: readonly Step[]): PlanStep[] {
  return steps.map(planStep);
}

function planStep(step: Step): PlanStep {
  const common = pick(step, ['id', 'name', 'if', 'retry', 'timeout', 'on_failure']);
  if ('uses' in step) {
    return { kind: 'uses', ...common, executor: step.uses, ...pick(step, ['with']) };
  }
  if ('parallel' in step) {
    const { branches, fail_fast } = step.parallel;
    return {
      kind: 'parallel',
      ...common,
      ...(fail_fast === undefined ? {} : { fail_fast }),
      steps: planSteps(branches),
    };
  }
  if ('foreach' in step) {
    const { steps, ...rest } = step.foreach;
    return { kind: 'foreach', ...common, ...rest, steps: planSteps(steps) };
  }
  if ('switch' in step) {
    const { cases, default: otherwise } = step.switch;
    return {
      kind: 'switch',
      ...common,
      cases: cases.map((c) => ({ when: c.when, steps: planSteps(c.steps) })),
      ...(otherwise === undefined ? {} : { otherwise: planSteps(otherwise) }),
    };
  }
  if ('run' in step) return { kind: 'run', ...common, ...step.run };
  if ('wait' in step) return { kind: 'wait', ...common, ...step.wait };
  if ('loop' in step) {
    const { steps, ...rest } = step.loop;
    return { kind: 'loop', ...common, ...rest, steps: planSteps(steps) };
  }
  return { kind: 'steps', ...common, steps: planSteps(step.steps) };
}

/** The keys of `source` that are set; optional keys stay absent rather than `undefined`. */
function pick<T extends object, K extends keyof T>(
  source: T,
  keys: readonly K[],
): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
