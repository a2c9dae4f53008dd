/**
 * Golden run histories of YAML workflows: each `golden/<case>.workflow.yaml` runs on the test
 * engine (in-memory SQLite, FakeClock moved only while every run is parked), and its
 * normalized run — outcome, steps, history events, child runs; ids, stacks and absolute
 * times removed (normalize-history.ts) — must equal `golden/<case>.history.json`.
 *
 * A change to what the engine or the compiler records shows up here as a diff. When the
 * change is intended, rewrite the golden files and review them before committing:
 *
 *   UPDATE_GOLDEN=1 npx vitest run test/dsl/history     (in packages/waymark)
 */
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestEngine, type TestEngine } from '../../../src/testing/test-engine.ts';
import { expectGolden } from './expect-golden.ts';
import { GOLDEN_DIR, goldenWorkflow } from './golden-workflows.ts';
import { normalizeRun } from './normalize-history.ts';
import { runToEnd } from './run-to-end.ts';

const CASES = [
  'sequence-if',
  'parallel',
  'foreach-concurrency',
  'switch',
  'loop',
  'run-child',
  'wait',
  'stages-loop',
  'on-failure-continue',
  'retry',
  'timeout',
] as const;
/** Workflows of golden/ that run only as children of a case. */
const CHILDREN = ['child-notify', 'child-slow'];

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('golden run histories of YAML workflows', () => {
  for (const name of CASES) {
    it(name, async () => {
      const workflow = goldenWorkflow(name);
      t = await createTestEngine({ workflows: [workflow] });
      const run = await t.engine.start(workflow, {});
      await runToEnd(t, run.id);
      await expectGolden(`${GOLDEN_DIR}${name}.history.json`, await normalizeRun(t.engine, run.id));
    });
  }

  it('covers every workflow of golden/', () => {
    const files = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.workflow.yaml'));
    expect(files.map((f) => f.replace('.workflow.yaml', '')).sort()).toEqual(
      [...CASES, ...CHILDREN].sort(),
    );
  });
});
