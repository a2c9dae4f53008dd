/**
 * Provider stages compile to a call of their agent's executor: the stage's agent keys are its
 * arguments (checked when the workflow loads, at their own positions), and an agent stage
 * without a timeout is stopped after 30 minutes. The agents are the fake CLIs of
 * test/fixtures/agent-clis.
 */
import { until } from '../../until.ts';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadWorkflowDocument } from '../../../src/dsl/load-workflow-file.ts';
import { builtinExecutors, createExecutorRegistry } from '../../../src/executors/index.ts';
import { createTestEngine, type TestEngine } from '../../../src/testing/test-engine.ts';
import {
  FAKE_AGENT_CLIS as FAKES,
  isAlive as alive,
} from '../../fixtures/agent-clis/fake-agents.ts';
import { compileYaml, lines } from './helpers.ts';
import { tempDir } from '../../temp-dir.ts';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function project(env: Record<string, string> = {}) {
  const dir = tempDir('waymark-agent-stage-');
  mkdirSync(join(dir, 'roles'));
  writeFileSync(join(dir, 'roles', 'planner.md'), '---\nmax_turns: 6\n---\nYou plan.');
  const log = join(dir, 'calls.jsonl');
  const executors = createExecutorRegistry(
    builtinExecutors({
      agents: {
        baseEnv: { PATH: `${FAKES}:${process.env['PATH'] ?? ''}`, FAKE_AGENT_LOG: log, ...env },
        killGraceMs: 200,
      },
    }),
  );
  const calls = (): Array<{ cli: string; args: string[]; stdin: string | null }> =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { cli: string; args: string[]; stdin: string | null })
      : [];
  return { dir, executors, calls };
}

describe('agent stages', () => {
  it('run their agent with the stage keys as arguments; the next stage reads the output', async () => {
    const p = project();
    const wf = compileYaml(
      lines(
        'id: agents',
        'inputs: { task: { type: string } }',
        'stages: [plan, review]',
        'stage_configs:',
        '  plan:',
        '    provider: claude-code',
        '    role: planner',
        '    model: sonnet',
        '    permissions: read-only',
        '    prompt: Plan ${ inputs.task } (round ${ stage.iteration })',
        '  review:',
        '    provider: gemini',
        '    prompt: "Review: ${ steps.plan.output.text }"',
        'output:',
        '  plan: ${ steps.plan.output }',
        '  review: ${ steps.review.output.text }',
      ),
      { executors: p.executors, baseDir: p.dir, artifactsRoot: join(p.dir, 'artifacts') },
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, { task: 'X' });
    const output = (await run.result()) as { plan: Record<string, unknown>; review: string };
    expect(output.plan).toMatchObject({
      text: 'Done: Plan X (round 0)',
      session_id: '5f0c1d2e-0000-4000-8000-00000000abcd',
      tokens: { total: 142 },
      cost_usd: 0.0123,
    });
    expect(output.review).toBe('Done: Review: Done: Plan X (round 0)');
    expect(p.calls()).toEqual([
      expect.objectContaining({
        cli: 'claude',
        args: [
          '-p',
          '--output-format=stream-json',
          '--verbose',
          '--model=sonnet',
          '--max-turns=6',
          '--permission-mode=dontAsk',
          '--append-system-prompt=You plan.',
        ],
        stdin: 'Plan X (round 0)',
      }),
      expect.objectContaining({ cli: 'gemini', stdin: null }),
    ]);
    // The live lines are in the history.
    const history = await t.engine.history(run.id);
    const logged = history
      .filter((e) => e.type === 'step.log' && e.stepKey === 'stage.plan[0]')
      .map((e) => e.data['text']);
    expect(logged).toContain('→ Read {"file_path":"README.md"}');
  });

  it('without a timeout, an agent stage is stopped after 30 minutes, its processes killed', async () => {
    const pids = join(tempDir('waymark-agent-pids-'), 'pids');
    const p = project({ FAKE_AGENT_SCENARIO: 'hang', FAKE_AGENT_PIDS: pids });
    const wf = compileYaml(
      lines(
        'id: agents',
        'stages: [code, after]',
        'stage_configs:',
        '  code: { provider: codex, prompt: Code, on_failure: continue }',
        '  after: { uses: set, with: { error: "${ steps.code.error.code }" } }',
        'output: ${ steps.after.output.error }',
      ),
      { executors: p.executors, baseDir: p.dir, artifactsRoot: join(p.dir, 'artifacts') },
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, {});
    await until(() => existsSync(pids) && readFileSync(pids, 'utf8').split('\n').length >= 3);
    const [leader, child] = readFileSync(pids, 'utf8').trim().split('\n').map(Number) as [
      number,
      number,
    ];
    await t.clock.advance('29m');
    expect(await run.status()).toBe('running');
    await t.clock.advance('1m');
    expect(await run.result()).toBe('STEP_TIMEOUT');
    await until(() => !alive(leader) && !alive(child));
  });
});

describe('agent stages: load-time checks, at their positions', () => {
  const errors = (text: string) =>
    loadWorkflowDocument(text, 'a.workflow.yaml').diagnostics.map(
      (d) => `${d.line}:${d.column}: ${d.message}`,
    );

  it('an unknown provider, with a suggestion', () => {
    expect(
      errors(
        lines('id: a', 'stages: [s]', 'stage_configs:', '  s: { provider: claude, prompt: p }'),
      ),
    ).toEqual(['4:18: unknown agent provider "claude"; did you mean "claude-code"?']);
  });

  it('a missing prompt, a bad argument, a setting the CLI has no flag for', () => {
    expect(
      errors(
        lines(
          'id: a',
          'stages: [s, t]',
          'stage_configs:',
          '  s: { provider: claude-code, role: ../x }',
          '  t:',
          '    provider: codex',
          '    prompt: p',
          '    max_turns: 3',
        ),
      ),
    ).toEqual([
      '4:6: claude-code needs "prompt"',
      '4:37: a role is a file name in roles/ without ".md": letters, digits, - and _',
      '8:16: codex has no max-turns limit (its timeout bounds a run): remove max_turns',
    ]);
  });

  it('agent keys without a provider (a timeout on a stage of steps is its deadline)', () => {
    expect(
      errors(
        lines(
          'id: a',
          'stages: [s]',
          'stage_configs:',
          '  s:',
          '    model: opus',
          '    timeout: 5m',
          '    steps: [{ id: x, uses: noop }]',
        ),
      ),
    ).toEqual(['5:5: "model" is for agent stages: stage "s" has no provider']);
  });
});
