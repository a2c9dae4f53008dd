/**
 * The module executor in YAML workflows on a test engine: TypeScript and JavaScript modules by
 * bare name or path, everything a module's run(ctx) receives, its logs and artifacts in the
 * history, failures, a missing module naming every path tried, timeout and cancel.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinExecutors, createExecutorRegistry } from '../../src/executors/index.ts';
import type { WorkflowDefinition } from '../../src/runtime/workflow.ts';
import { createTestEngine, type TestEngine } from '../../src/testing/test-engine.ts';
import { compileYaml, lines } from '../dsl/compile/helpers.ts';
import { scratchDir } from './fake-step.ts';

const BASE = fileURLToPath(new URL('./fixtures/modules/', import.meta.url));
const TOKEN = 'module-token-93d1';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function workflow(
  root: string,
  ...steps: string[]
): WorkflowDefinition<Record<string, unknown>, unknown> {
  return compileYaml(
    lines('id: modules', 'secrets: [TOKEN]', 'vars: { greeted: nobody }', 'steps:', ...steps),
    {
      executors: createExecutorRegistry(builtinExecutors({ module: { config: { region: 'eu' } } })),
      artifactsRoot: root,
      baseDir: BASE,
    },
  );
}

async function runToEnd(
  wf: WorkflowDefinition<Record<string, unknown>, unknown>,
): Promise<{ id: string; status: string; output: unknown; error: unknown }> {
  t = await createTestEngine({ workflows: [wf], secrets: { TOKEN } });
  const run = await t.engine.start(wf, {});
  await t.waitForStatus(run.id, 'completed', 'failed');
  const record = await t.engine.getRun(run.id);
  return {
    id: run.id,
    status: record?.status ?? '?',
    output: record?.output,
    error: record?.error,
  };
}

/** Until the module has started (its first log line is in the history). */
async function waitForLog(engine: TestEngine, runId: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await engine.engine.history(runId)).some((e) => e.type === 'step.log')) {
    if (Date.now() > deadline) throw new Error('the module did not start');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('module executor', () => {
  it('runs a TypeScript module by bare name with inputs, refs, vars, meta, config, secrets', async () => {
    const root = scratchDir();
    const wf = workflow(
      root,
      '  - { id: first, uses: set, with: { items: [a, b] } }',
      '  - id: greet',
      '    uses: module',
      '    with: { module: greet, inputs: { name: "${ vars.items[0] }" } }',
      '  - { id: after, uses: log, with: { message: "greeted ${ vars.greeted }" } }',
      'output: { greet: "${ steps.greet.output }", files: "${ steps.greet.artifacts }", after: "${ steps.after.output }" }',
    );
    const run = await runToEnd(wf);
    expect(run.status).toBe('completed');
    const artifact = path.join(root, run.id, 'greet', 'greeting.txt');
    expect(run.output).toEqual({
      greet: {
        greeting: 'hello a',
        first: { items: ['a', 'b'] },
        firstValue: 'b',
        vars: { greeted: 'nobody', items: ['a', 'b'] },
        meta: { runId: run.id, stepId: 'greet', attempt: 1 },
        config: { region: 'eu' },
      },
      files: [artifact],
      after: { message: 'greeted a' },
    });
    expect(readFileSync(artifact, 'utf8')).toBe('hello a\n');
    const history = await t!.engine.history(run.id);
    const log = history.find((e) => e.type === 'step.log' && e.stepKey === 'greet');
    expect(log?.data).toEqual({ stream: 'log', level: 'info', text: 'greeting a with ***' });
  });

  it('runs .mjs and .js modules and a module named by path', async () => {
    const wf = workflow(
      scratchDir(),
      '  - { id: mjs, uses: module, with: { module: plain, inputs: { n: 1 } } }',
      '  - { id: js, uses: module, with: { module: legacy } }',
      '  - { id: path, uses: module, with: { module: ./lib/by-path.ts } }',
      'output: { mjs: "${ steps.mjs.output }", js: "${ steps.js.output }", path: "${ steps.path.output }", files: "${ steps.path.artifacts }" }',
    );
    expect((await runToEnd(wf)).output).toEqual({
      mjs: 'mjs got {"n":1}',
      js: 'js',
      path: 'by path',
      files: ['/tmp/elsewhere.txt'],
    });
  });

  it('fails clearly: a throwing module, no run export, a bad result, a missing module', async () => {
    const cases: Array<[string, RegExp]> = [
      ['broken', /^the module failed$/],
      [
        'norun',
        /has no run function: export default async function run\(ctx\).*its exports: answer/,
      ],
      [
        'bad-result',
        /must return \{ output\?, vars\?, artifacts\? \} \(or nothing\): the result: .*extra/,
      ],
      [
        'missing',
        new RegExp(
          `^module "missing" not found; tried: ${['ts', 'mjs', 'js'].map((e) => path.join(BASE, 'executors', `missing.${e}`)).join(', ')}$`.replaceAll(
            '.',
            '\\.',
          ),
        ),
      ],
      [
        './lib/none.ts',
        new RegExp(`tried: ${path.join(BASE, 'lib', 'none.ts').replaceAll('.', '\\.')}$`),
      ],
    ];
    for (const [module, message] of cases) {
      const run = await runToEnd(
        workflow(scratchDir(), `  - { id: m, uses: module, with: { module: "${module}" } }`),
      );
      expect([module, run.status]).toEqual([module, 'failed']);
      expect((run.error as { message: string }).message).toMatch(message);
      await t?.close();
      t = undefined;
    }
  });

  it('refuses a templated module name when the workflow loads', () => {
    expect(() =>
      workflow(scratchDir(), '  - { id: m, uses: module, with: { module: "${ run.id }" } }'),
    ).toThrow(/"module" of module must be literal text/);
  });

  it('a step timeout aborts the module signal; so does a cancel', async () => {
    const wf = workflow(
      scratchDir(),
      '  - { id: wait, uses: module, timeout: 1m, with: { module: waits } }',
    );
    t = await createTestEngine({ workflows: [wf] });
    const timedOut = await t.engine.start(wf, {});
    await waitForLog(t, timedOut.id);
    await t.clock.advance('1m');
    await t.waitForStatus(timedOut.id, 'failed');
    expect((await t.engine.getRun(timedOut.id))?.error).toMatchObject({ code: 'STEP_TIMEOUT' });

    const cancelled = await t.engine.start(wf, {});
    await waitForLog(t, cancelled.id);
    await cancelled.cancel();
    await t.waitForStatus(cancelled.id, 'cancelled');
  });
});
