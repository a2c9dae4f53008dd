/**
 * "Same engine": a YAML workflow and its hand-written code twin (code-workflows.ts) record
 * the same run — outcome, step keys, kinds, statuses and attempts, and every history event
 * with its data, in the same order at the same (fake) times, child runs included. Only the
 * recorded outputs of `uses` steps differ in form (the interpreter records an executor's
 * `{ output, vars }`), so step outputs are left out of the comparison, and so are the
 * `executor.started`/`executor.finished` events `invokeExecutor` adds, which a hand-written
 * step function does not call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkflowDefinition } from '../../../src/runtime/workflow.ts';
import { createTestEngine, type TestEngine } from '../../../src/testing/test-engine.ts';
import { CODE_TWINS } from './code-workflows.ts';
import { goldenWorkflow } from './golden-workflows.ts';
import { type NormalizedRun, normalizeRun } from './normalize-history.ts';
import { runToEnd } from './run-to-end.ts';

const engines: TestEngine[] = [];
afterEach(async () => {
  for (const t of engines.splice(0)) await t.close();
});

async function recordedRun(workflow: WorkflowDefinition): Promise<NormalizedRun> {
  const t = await createTestEngine({ workflows: [workflow] });
  engines.push(t);
  const run = await t.engine.start(workflow, {});
  await runToEnd(t, run.id);
  return normalizeRun(t.engine, run.id);
}

/** The run without the recorded outputs of its steps and without executor events. */
function shape(run: NormalizedRun): NormalizedRun {
  const children = Object.entries(run.children ?? {}).map(([k, c]) => [k, shape(c)] as const);
  return {
    ...run,
    steps: run.steps.map(({ output: _output, ...step }) => step),
    history: run.history.filter((e) => !e.type.startsWith('executor.')),
    ...(children.length === 0 ? {} : { children: Object.fromEntries(children) }),
  };
}

describe('a YAML workflow and its code twin record the same run', () => {
  for (const [name, code] of CODE_TWINS) {
    it(name, async () => {
      const yaml = await recordedRun(goldenWorkflow(name) as WorkflowDefinition);
      const fromCode = await recordedRun(code);
      expect(yaml.history.length).toBeGreaterThan(3);
      expect(shape(fromCode)).toEqual(shape(yaml));
    });
  }
});
