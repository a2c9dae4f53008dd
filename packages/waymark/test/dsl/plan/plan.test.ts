import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadWorkflowDocument } from '../../../src/dsl/load-workflow-file.ts';
import { formatPlan, planWorkflow } from '../../../src/dsl/plan/index.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const GOLDEN_DIR = fileURLToPath(new URL('./__golden__/', import.meta.url));

const STAGE_LOOP = `id: agent-loop
name: Plan, code, test, check
inputs:
  task: { type: string, required: true }
stages: [plan, code, test, check]
stage_configs:
  plan:
    provider: claude-code
    permissions: read-only
    timeout: 10m
    profile: careful
    skills: [git, typescript]
    role: planner
    prompt: Plan \${ inputs.task }
  code:
    mode: parallel
    on_failure: retry
    retries: 2
    retry_backoff: { initial: 1s, factor: 2 }
    steps:
      - id: write
        uses: shell
        with: { command: make, iteration: "\${ iter.index }" }
  test:
    steps:
      - id: run_tests
        uses: shell
        on_failure: continue
        with: { command: npm test }
  check:
    steps:
      - id: verdict
        uses: set
        with: { ok: "\${ steps.run_tests.status == 'completed' }" }
loop:
  max_iters: 3
  stop_when: \${ steps.verdict.output.ok }
  fallback_next_stage: code
`;

function planText(text: string, file: string): string {
  const { document, diagnostics } = loadWorkflowDocument(text, file);
  if (document === undefined) throw new Error(JSON.stringify(diagnostics, null, 2));
  return formatPlan(planWorkflow(document));
}

/**
 * Compares with the golden file; a missing golden is written once (then reviewed and
 * committed), so a changed plan fails until the golden is deliberately updated.
 */
function expectGolden(name: string, actual: string): void {
  const path = `${GOLDEN_DIR}${name}`;
  if (!existsSync(path)) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('workflow plans', () => {
  it('of the release example', () => {
    const file = 'examples/yaml/release.workflow.yaml';
    expectGolden('release.plan.txt', planText(readFileSync(`${REPO_ROOT}${file}`, 'utf8'), file));
  });

  it('of a stage loop', () => {
    expectGolden('stage-loop.plan.txt', planText(STAGE_LOOP, 'agent-loop.workflow.yaml'));
  });

  it('keeps templated arguments as their text and literal ones as values', () => {
    const { document } = loadWorkflowDocument(STAGE_LOOP, 'agent-loop.workflow.yaml');
    const plan = planWorkflow(document!);
    expect(plan.stages[1]?.steps[0]?.with).toEqual({
      command: 'make',
      iteration: '${ iter.index }',
    });
    expect(plan.loop).toEqual({
      max_iters: 3,
      stop_when: '${ steps.verdict.output.ok }',
      fallback_next_stage: 'code',
    });
  });
});
