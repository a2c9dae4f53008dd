import type { Backoff, Condition, InputSpec, Retry } from '../document.ts';
import type { Plan, PlanStage, PlanStep } from './plan.ts';

const INDENT = '  ';

/**
 * The plan as an indented tree, one line per step and per fact about it:
 *
 * ```text
 * workflow release "Release" (version 1)
 * steps:
 *   - announce_start: uses log
 *       with message: "Releasing ${ vars.tag }"
 * ```
 */
export function formatPlan(plan: Plan): string {
  const lines: string[] = [];
  const name = plan.name === undefined ? '' : ` ${JSON.stringify(plan.name)}`;
  const version = plan.version === undefined ? '' : ` (version ${plan.version})`;
  lines.push(`workflow ${plan.id}${name}${version}`);
  const inputs = Object.entries(plan.inputs);
  if (inputs.length > 0) {
    lines.push('inputs:');
    for (const [key, spec] of inputs) lines.push(`${INDENT}${key}: ${describeInput(spec)}`);
  }
  const vars = Object.entries(plan.vars);
  if (vars.length > 0) {
    lines.push('vars:');
    for (const [key, value] of vars) lines.push(`${INDENT}${key} = ${literal(value)}`);
  }
  if (plan.secrets.length > 0) lines.push(`secrets: ${plan.secrets.join(', ')}`);
  if (plan.defaults !== undefined) {
    const parts = [
      plan.defaults.timeout === undefined ? undefined : `timeout ${plan.defaults.timeout}`,
      plan.defaults.retry === undefined ? undefined : describeRetry(plan.defaults.retry),
    ].filter((p) => p !== undefined);
    lines.push(`defaults: ${parts.join(', ')}`);
  }
  if (plan.timeout !== undefined) lines.push(`timeout: ${plan.timeout}`);
  if (plan.steps.length > 0) {
    lines.push('steps:');
    formatSteps(plan.steps, 1, lines);
  }
  if (plan.stages.length > 0) {
    lines.push('stages:');
    plan.stages.forEach((stage, i) => formatStage(stage, i + 1, lines));
  }
  if (plan.loop !== undefined) {
    const { max_iters, stop_when, fallback_next_stage } = plan.loop;
    lines.push(`loop: at most ${max_iters} iteration${max_iters === 1 ? '' : 's'}`);
    if (stop_when !== undefined) lines.push(`${INDENT}stop when ${condition(stop_when)}`);
    const first = plan.stages[0]?.name;
    const back = fallback_next_stage ?? first;
    if (back !== undefined) lines.push(`${INDENT}otherwise continue from stage ${back}`);
  }
  if (plan.output !== undefined) lines.push(`output: ${literal(plan.output)}`);
  return lines.join('\n') + '\n';
}

function formatStage(stage: PlanStage, index: number, lines: string[]): void {
  const how = stage.executor === undefined ? '' : `: uses ${stage.executor}`;
  lines.push(`${INDENT}${index}. ${stage.name}${how}`);
  const pad = INDENT.repeat(3);
  const facts: Array<[string, unknown]> = [
    ['provider', stage.provider],
    ['role', stage.role],
    ['profile', stage.profile],
    ['skills', stage.skills?.join(', ')],
    ['model', stage.model],
    ['max_turns', stage.max_turns],
    ['permissions', stage.permissions],
    ['allowed_tools', stage.allowed_tools?.join(', ')],
    ['cwd', stage.cwd],
    ['timeout', stage.timeout],
    ['mode', stage.mode],
    ['on_failure', stage.on_failure],
    ['retries', stage.retries],
  ];
  for (const [key, value] of facts) if (value !== undefined) lines.push(`${pad}${key}: ${value}`);
  if (stage.retry_backoff !== undefined) {
    lines.push(`${pad}retry backoff: ${describeBackoff(stage.retry_backoff)}`);
  }
  if (stage.prompt !== undefined) lines.push(`${pad}prompt: ${literal(stage.prompt)}`);
  for (const [key, value] of Object.entries(stage.with ?? {})) {
    lines.push(`${pad}with ${key}: ${literal(value)}`);
  }
  if (stage.steps.length > 0) {
    lines.push(`${pad}steps:`);
    formatSteps(stage.steps, 4, lines);
  }
}

function formatSteps(steps: readonly PlanStep[], depth: number, lines: string[]): void {
  for (const step of steps) formatStep(step, depth, lines);
}

function formatStep(step: PlanStep, depth: number, lines: string[]): void {
  const pad = INDENT.repeat(depth);
  const detail = `${pad}${INDENT}${INDENT}`;
  lines.push(`${pad}- ${label(step)}: ${headline(step)}`);
  if (step.if !== undefined) lines.push(`${detail}if ${condition(step.if)}`);
  const policy = [
    step.timeout === undefined ? undefined : `timeout ${step.timeout}`,
    step.retry === undefined ? undefined : describeRetry(step.retry),
    step.on_failure === undefined ? undefined : `on failure ${step.on_failure}`,
  ].filter((p) => p !== undefined);
  if (policy.length > 0) lines.push(`${detail}${policy.join(', ')}`);
  for (const [key, value] of Object.entries(step.with ?? {})) {
    lines.push(`${detail}with ${key}: ${literal(value)}`);
  }
  for (const [key, value] of Object.entries(step.inputs ?? {})) {
    lines.push(`${detail}input ${key}: ${literal(value)}`);
  }
  if (step.stop_when !== undefined) lines.push(`${detail}stop when ${condition(step.stop_when)}`);
  for (const c of step.cases ?? []) {
    lines.push(`${detail}when ${condition(c.when)}:`);
    formatSteps(c.steps, depth + 3, lines);
  }
  if (step.otherwise !== undefined) {
    lines.push(`${detail}otherwise:`);
    formatSteps(step.otherwise, depth + 3, lines);
  }
  if (step.steps !== undefined) formatSteps(step.steps, depth + 2, lines);
}

/** The id a step is known by; unnamed steps get a key from their position when compiled. */
function label(step: PlanStep): string {
  const name = step.name === undefined ? '' : ` "${step.name}"`;
  return step.id === undefined ? `(no id)${name}` : `${step.id}${name}`;
}

function headline(step: PlanStep): string {
  switch (step.kind) {
    case 'uses':
      return `uses ${step.executor ?? '?'}`;
    case 'steps':
      return 'steps in sequence';
    case 'parallel':
      // fail_fast is on unless turned off.
      return `parallel ${step.fail_fast === false ? '(every branch runs)' : '(fail fast)'}`;
    case 'foreach': {
      const as = step.as === undefined ? '' : ` as ${step.as}`;
      const notes = [
        ...(step.concurrency === undefined ? [] : [`concurrency ${step.concurrency}`]),
        ...(step.fail_fast === false ? ['every iteration runs'] : []),
      ];
      return `foreach ${literal(step.items)}${as}${notes.length === 0 ? '' : ` (${notes.join(', ')})`}`;
    }
    case 'switch':
      return 'switch';
    case 'run':
      return `run workflow ${step.workflow ?? '?'}`;
    case 'wait':
      return step.until === undefined
        ? `wait ${String(step.duration)}`
        : `wait until ${literal(step.until)}`;
    case 'loop':
      return `loop, at most ${step.max_iters ?? '?'} iterations`;
  }
}

function describeInput(spec: InputSpec): string {
  const type = spec.type === 'enum' ? `enum ${literal(spec.values ?? [])}` : spec.type;
  const parts = [type];
  if (spec.required === true) parts.push('required');
  if (spec.default !== undefined) parts.push(`default ${literal(spec.default)}`);
  return parts.join(', ');
}

function describeRetry(retry: Retry): string {
  const backoff = retry.backoff === undefined ? '' : ` (backoff ${describeBackoff(retry.backoff)})`;
  if (retry.max_attempts === 1) return 'no retries (1 attempt)';
  return `retry up to ${retry.max_attempts} attempts${backoff}`;
}

function describeBackoff(backoff: Backoff): string {
  return Object.entries(backoff)
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(', ');
}

function condition(value: Condition): string {
  return typeof value === 'boolean' ? String(value) : value;
}

/** Values as JSON, except that a bare template stays readable as written. */
function literal(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}
