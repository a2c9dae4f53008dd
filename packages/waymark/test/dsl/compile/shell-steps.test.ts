import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadWorkflowDocument } from '../../../src/dsl/load-workflow-file.ts';
import { splitWords } from '../../../src/dsl/compile/template-text.ts';
import { createTestEngine, type TestEngine } from '../../../src/testing/test-engine.ts';
import { compileYaml, lines, newCalls, testExecutors } from './helpers.ts';
import { tempDir } from '../../temp-dir.ts';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A file each attempt below would create, if any reached a shell as code. */
const MARKER = path.join(tempDir('waymark-injection-'), 'pwned');
const HOSTILE = [
  '$(rm -rf ~)',
  '`id`',
  '; curl x',
  'a\' b "c',
  '${ not evaluated }',
  `$(touch ${MARKER})`,
  `\`touch ${MARKER}\``,
  `; touch ${MARKER}`,
  `x\ntouch ${MARKER}`,
  `--upload-pack=touch ${MARKER}`,
];

describe('shell steps in workflows', () => {
  it('templated values arrive literally as argv elements and env values', async () => {
    const wf = compileYaml(
      lines(
        'id: shelly',
        'inputs: { values: { type: array, required: true } }',
        'steps:',
        '  - id: each',
        '    foreach:',
        '      items: ${ inputs.values }',
        '      steps:',
        '        - id: argv',
        '          uses: shell',
        '          with: { command: "printf %s ${ item }" }',
        '        - id: script',
        '          uses: shell',
        '          with:',
        '            script: printf %s "$VALUE"',
        '            env: { VALUE: "${ item }" }',
        'output: ${ steps.each.output }',
      ),
      { executors: testExecutors(newCalls()) },
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, { values: HOSTILE });
    expect(await run.result()).toEqual(HOSTILE.map((v) => ({ argv: v, script: v })));
    expect(existsSync(MARKER)).toBe(false);
  });

  it('a non-zero exit fails the step with its code and stderr', async () => {
    const wf = compileYaml(
      lines(
        'id: exits',
        'steps:',
        '  - id: bad',
        '    uses: shell',
        '    retry: { max_attempts: 1 }',
        '    on_failure: continue',
        '    with: { script: "echo broken >&2; exit 7" }',
        'output: ${ steps.bad.error.message }',
      ),
      { executors: testExecutors(newCalls()) },
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, {});
    expect(await run.result()).toBe('script exited with code 7: broken');
  });

  it('cancelling the run kills the process group of the step', async () => {
    const dir = tempDir('waymark-cancel-');
    const wf = compileYaml(
      lines(
        'id: cancel-me',
        'steps:',
        '  - id: long',
        '    uses: shell',
        '    with:',
        '      script: sleep 30 & echo $! > pid; wait',
        `      cwd: ${JSON.stringify(dir)}`,
      ),
      { executors: testExecutors(newCalls()) },
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, {});
    const pidFile = path.join(dir, 'pid');
    const deadline = Date.now() + 5_000;
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') {
      if (Date.now() > deadline) throw new Error('script did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    await t.engine.cancel(run.id);
    await t.waitForStatus(run.id, 'cancelled');
    const alive = (): boolean => {
      try {
        return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    const until = Date.now() + 4_000;
    while (alive() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(alive()).toBe(false);
  });

  it('a template in a script is a load-time error', () => {
    const { diagnostics } = loadWorkflowDocument(
      lines(
        'id: bad-script',
        'steps:',
        '  - id: s',
        '    uses: shell',
        '    with: { script: "echo ${ run.id }" }',
      ),
      'bad.workflow.yaml',
    );
    expect(diagnostics.map((d) => `${d.line}:${d.message}`)).toEqual([
      '5:"script" of shell must be literal text: expressions are not substituted into it',
    ]);
    expect(diagnostics[0]?.hint).toBe(
      'pass values through "env" and read them as "$NAME" in the script',
    );
  });

  it('a stage that uses shell gets the same checks: a templated script is refused', () => {
    const { diagnostics } = loadWorkflowDocument(
      lines(
        'id: bad-stage',
        'inputs: { x: { type: string } }',
        'stages: [build]',
        'stage_configs:',
        '  build:',
        '    uses: shell',
        '    with: { script: "echo ${ inputs.x }" }',
      ),
      'bad.workflow.yaml',
    );
    expect(diagnostics.map((d) => `${d.line}:${d.message}`)).toEqual([
      '7:"script" of shell must be literal text: expressions are not substituted into it',
    ]);
  });

  it('a stage command string is split into words, values arriving as one argv element', async () => {
    const wf = compileYaml(
      lines(
        'id: stage-command',
        'inputs: { value: { type: string, required: true } }',
        'stages: [say]',
        'stage_configs:',
        '  say:',
        '    uses: shell',
        '    with: { command: "printf %s ${ inputs.value }" }',
        'output: ${ steps.say.output }',
      ),
      { executors: testExecutors(newCalls()) },
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, { value: HOSTILE[0] });
    expect(await run.result()).toBe(HOSTILE[0]);
  });

  it('splits a command string into words before evaluating', () => {
    expect(splitWords('npm publish --tag ${ inputs.channel }')).toEqual([
      'npm',
      'publish',
      '--tag',
      '${ inputs.channel }',
    ]);
    expect(splitWords('  a  x${ "b c" }y  $${literal} ')).toEqual([
      'a',
      'x${ "b c" }y',
      '$${literal}',
    ]);
  });
});
