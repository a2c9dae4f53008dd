/**
 * Agent executors as `uses:` steps of a YAML workflow on the engine (FakeClock, in-memory
 * SQLite), against the fake CLIs of test/fixtures/agent-clis: the default timeout and what
 * overrides it, the live lines in the history, and a cancel or timeout that leaves no process
 * behind but keeps what the agent printed (history lines, transcript artifacts).
 */
import { until } from '../../until.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinExecutors, createExecutorRegistry } from '../../../src/executors/index.ts';
import { createTestEngine, type TestEngine } from '../../../src/testing/test-engine.ts';
import { compileYaml, lines } from '../../dsl/compile/helpers.ts';
import {
  FAKE_AGENT_CLIS as FAKES,
  FAKE_SESSION_ID,
  isAlive as alive,
} from '../../fixtures/agent-clis/fake-agents.ts';
import { tempDir } from '../../temp-dir.ts';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A project whose agents hang after their first line; `pids()` are the fake's and its child's. */
function hangingProject() {
  const dir = tempDir('waymark-agent-wf-');
  const pidFile = join(dir, 'pids');
  const executors = createExecutorRegistry(
    builtinExecutors({
      agents: {
        baseEnv: {
          PATH: `${FAKES}:${process.env['PATH'] ?? ''}`,
          FAKE_AGENT_SCENARIO: 'hang',
          FAKE_AGENT_PIDS: pidFile,
        },
        killGraceMs: 200,
      },
    }),
  );
  const pids = async (): Promise<[number, number]> => {
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').split('\n').length >= 3);
    return readFileSync(pidFile, 'utf8').trim().split('\n').map(Number) as [number, number];
  };
  return { dir, artifacts: join(dir, 'artifacts'), executors, pids };
}

type Started = Awaited<ReturnType<typeof startAgentStep>>;

async function startAgentStep(
  p: ReturnType<typeof hangingProject>,
  provider: string,
  extra: { step?: string[]; workflow?: string[] } = {},
) {
  const wf = compileYaml(
    lines(
      'id: agent-step',
      ...(extra.workflow ?? []),
      'steps:',
      '  - id: code',
      `    uses: ${provider}`,
      '    with: { prompt: Write the code }',
      ...(extra.step ?? []),
    ),
    { executors: p.executors, baseDir: p.dir, artifactsRoot: p.artifacts },
  );
  t = await createTestEngine({ workflows: [wf] });
  const run = await t.engine.start(wf, {});
  const [leader, child] = await p.pids();
  return { run, engine: t.engine, clock: t.clock, leader, child };
}

describe('agent steps: the wall-clock timeout', () => {
  it('a uses: step without a timeout is stopped after 30 minutes, its processes killed', async () => {
    const p = hangingProject();
    const { run, clock, leader, child } = await startAgentStep(p, 'codex');
    await clock.advance('29m59s');
    expect(await run.status()).toBe('running');
    await clock.advance('1s');
    await expect(run.result()).rejects.toMatchObject({
      code: 'STEP_TIMEOUT',
      message: 'step "code" timed out after 30m',
    });
    await until(() => !alive(leader) && !alive(child));
  });

  it("the step's timeout, or the workflow's defaults.timeout, replaces it", async () => {
    for (const extra of [
      { step: ['    timeout: 2m'] },
      { workflow: ['defaults: { timeout: 2m }'] },
    ]) {
      const p = hangingProject();
      const { run, clock, leader, child } = await startAgentStep(p, 'claude-code', extra);
      await clock.advance('2m');
      await expect(run.result()).rejects.toMatchObject({ code: 'STEP_TIMEOUT' });
      await until(() => !alive(leader) && !alive(child));
      await t?.close();
      t = undefined;
    }
  });
});

describe('agent steps: live lines', () => {
  it('are in the history while the agent still runs', async () => {
    const p = hangingProject();
    const { run, engine } = await startAgentStep(p, 'claude-code', { step: ['    timeout: 1m'] });
    await until(async () =>
      (await engine.history(run.id)).some(
        (e) => e.type === 'step.log' && String(e.data['text']).startsWith('session '),
      ),
    );
    expect(await run.status()).toBe('running');
  });
});

describe('agent steps: timeout and cancel keep what the agent printed', () => {
  const stopped = [
    ['timed out', async (s: Started) => s.clock.advance('2m'), 'failed', 'STEP_TIMEOUT'],
    ['cancelled', async (s: Started) => s.run.cancel(), 'cancelled', 'CANCELLED'],
  ] as const;

  it.each(stopped)(
    '%s: no process left, the transcript so far kept',
    async (_how, stop, status, code) => {
      const p = hangingProject();
      const started = await startAgentStep(p, 'codex', { step: ['    timeout: 2m'] });
      const { run, engine, leader, child } = started;
      // Stopped once the agent's lines are recorded: a cancel fences out any later write.
      await until(async () =>
        (await engine.history(run.id)).some(
          (e) => e.type === 'step.log' && String(e.data['text']).startsWith('session '),
        ),
      );
      await stop(started);
      await until(async () => (await run.status()) === status);
      await until(() => !alive(leader) && !alive(child));
      // The agent's first event is in its transcript and in the history.
      const dir = join(p.artifacts, run.id, 'code');
      const transcript = readFileSync(join(dir, 'codex.jsonl'), 'utf8');
      expect(
        transcript
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as unknown),
      ).toEqual([{ type: 'thread.started', thread_id: FAKE_SESSION_ID }]);
      expect(readFileSync(join(dir, 'codex.stderr.log'), 'utf8')).toBe(
        'Reading prompt from stdin...\n',
      );
      const history = await engine.history(run.id);
      expect(history.filter((e) => e.type === 'step.log').map((e) => e.data['text'])).toEqual([
        'Reading prompt from stdin...',
        `session ${FAKE_SESSION_ID}`,
      ]);
      // A cancelled run records nothing after the cancel (its end is the store's), so only a
      // timed-out step has its executor's end, counting the files it left.
      const finished = history.find((e) => e.type === 'executor.finished');
      if (status === 'cancelled') expect(finished).toBeUndefined();
      else {
        expect(finished?.data).toMatchObject({
          executor: 'codex',
          status: 'error',
          error: { code },
          artifacts: 2,
        });
      }
      expect(await run.result().catch((e: unknown) => e)).toMatchObject({ code });
    },
  );
});
