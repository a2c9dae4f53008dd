/**
 * Each agent executor against its fake CLI (test/fixtures/agent-clis), which parses the real
 * CLI's flags and prints its real output format: the argv and stdin it gets, the parsed
 * result, the live log, and each way a run can fail.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WaymarkError } from '../../../src/core/errors.ts';
import {
  AGENT_PROVIDER_NAMES,
  AGENT_PROVIDERS,
  agentExecutors,
  createAgentExecutor,
} from '../../../src/executors/agent/index.ts';
import type { Executor } from '../../../src/executors/index.ts';
import {
  FAKE_AGENT_CLIS as FAKES,
  FAKE_SESSION_ID as SESSION,
  isAlive as alive,
} from '../../fixtures/agent-clis/fake-agents.ts';
import { fakeContext, fakeStep } from '../fake-step.ts';
import { tempDir } from '../../temp-dir.ts';
import { until } from '../../until.ts';

interface Setup {
  env?: Record<string, string>;
  binaries?: Record<string, string>;
  files?: Record<string, string>;
  signal?: AbortSignal;
  secrets?: string[];
  /** Made alone with createAgentExecutor, not among agentExecutors(). */
  alone?: boolean;
}

/** Runs `provider` with `args` in a fresh project directory; keeps what the fake CLI saw. */
async function runAgent(provider: string, args: Record<string, unknown>, setup: Setup = {}) {
  const dir = tempDir('waymark-agent-');
  for (const [name, text] of Object.entries(setup.files ?? {})) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const log = join(dir, 'invocations.jsonl');
  const options = {
    baseEnv: { PATH: `${FAKES}:${process.env['PATH'] ?? ''}`, FAKE_AGENT_LOG: log, ...setup.env },
    ...(setup.binaries === undefined ? {} : { binaries: setup.binaries }),
    killGraceMs: 200,
  };
  const executor =
    setup.alone === true
      ? createAgentExecutor(
          AGENT_PROVIDERS.find((p) => p.name === provider)!,
          options,
        )
      : (agentExecutors(options).find((e) => e.name === provider) as Executor);
  const step = fakeStep({
    ...(setup.signal === undefined ? {} : { signal: setup.signal }),
    secrets: setup.secrets ?? [],
  });
  // The engine masks the workflow's secrets in the log (the step's mask) and passes their
  // values to the executor (the transcript it writes is masked with them).
  const secrets = Object.fromEntries((setup.secrets ?? []).map((v, i) => [`SECRET_${i}`, v]));
  const ctx = fakeContext(step, { baseDir: dir, secrets });
  const invocations = (): Array<{ args: string[]; stdin: string | null; cwd: string }> =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { args: string[]; stdin: string | null; cwd: string })
      : [];
  const parsed = executor.withSchema.safeParse(args);
  if (!parsed.success) throw parsed.error;
  const outcome = await executor.run(parsed.data, ctx).then(
    (r) => ({ output: r.output as Record<string, unknown>, error: undefined }),
    (error: unknown) => ({ output: undefined, error: error as WaymarkError }),
  );
  return { ...outcome, step, dir, ctx, invocations };
}

function scenario(name: string): Setup {
  return { env: { FAKE_AGENT_SCENARIO: name } };
}

describe('agent providers', () => {
  it('are the names YAML validation accepts for provider:', () => {
    expect(AGENT_PROVIDERS.map((p) => p.name)).toEqual(AGENT_PROVIDER_NAMES);
  });
});

describe('agent executors: success, in each CLI real format', () => {
  it('claude-code: the prompt on stdin, stream-json parsed, modelUsage counted', async () => {
    const { output, error, step, invocations } = await runAgent('claude-code', {
      prompt: 'Fix the bug',
    });
    expect(error).toBeUndefined();
    expect(invocations()).toEqual([
      expect.objectContaining({
        args: ['-p', '--output-format=stream-json', '--verbose'],
        stdin: 'Fix the bug',
      }),
    ]);
    expect(output).toMatchObject({
      text: 'Done: Fix the bug',
      session_id: SESSION,
      // Both models; input counts cache reads and writes: 10+100+5 + 3.
      tokens: { input: 118, cached_input: 100, output: 24, total: 142 },
      cost_usd: 0.0123,
      raw: { type: 'result', is_error: false },
    });
    expect(step.lines()).toEqual([
      `session ${SESSION} · claude-sonnet-4-5`,
      'Let me look at the project.',
      '→ Read {"file_path":"README.md"}',
      '← # Readme',
      'Done: Fix the bug',
      'result: success, 2 turns, $0.0123',
    ]);
  });

  it('codex: exec --json with the prompt on stdin, the last agent message, usage summed', async () => {
    const { output, step, invocations } = await runAgent('codex', { prompt: 'Fix the bug' });
    expect(invocations()[0]).toMatchObject({
      args: ['exec', '--json', '--color=never', '--skip-git-repo-check', '-'],
      stdin: 'Fix the bug',
    });
    expect(output).toEqual({
      text: 'Done: Fix the bug',
      session_id: SESSION,
      tokens: { input: 120, cached_input: 100, output: 30, total: 150 },
      raw: expect.objectContaining({ type: 'turn.completed' }),
    });
    expect(output).not.toHaveProperty('cost_usd');
    expect(step.lines('log')).toEqual([
      `session ${SESSION}`,
      '$ bash -lc ls → exit 0',
      'Done: Fix the bug',
    ]);
    expect(step.lines('stderr')).toEqual(['Reading prompt from stdin...']);
  });

  it('gemini: the prompt as one argument, assistant deltas joined, stats counted', async () => {
    const { output, step, invocations } = await runAgent('gemini', { prompt: 'Fix the bug' });
    expect(invocations()[0]).toMatchObject({
      args: ['--output-format=stream-json', '--skip-trust', '--prompt=Fix the bug'],
      stdin: null,
    });
    expect(output).toEqual({
      text: 'Done: Fix the bug',
      session_id: SESSION,
      tokens: { input: 120, cached_input: 100, output: 30, total: 150 },
      raw: expect.objectContaining({ type: 'result', status: 'success' }),
    });
    expect(step.lines()).toEqual([
      `session ${SESSION} · gemini-2.5-pro`,
      'Done: Fix',
      '→ read_file {"absolute_path":"README.md"}',
      '← # Readme',
      // Deltas are shown a line at a time, or when a tool call cuts them.
      ' the bug',
    ]);
  });

  it('grok: the prompt as --single, the messages stream read by the Claude parser', async () => {
    const { output, invocations } = await runAgent('grok', { prompt: 'Fix the bug' });
    expect(invocations()[0]).toMatchObject({
      args: ['--output-format=streaming-messages-json', '--no-auto-update', '--single=Fix the bug'],
      stdin: null,
    });
    // All-zero usage is Grok's "unknown".
    expect(output).toMatchObject({
      text: 'Done: Fix the bug',
      session_id: SESSION,
      tokens: null,
      cost_usd: 0.0042,
    });
  });
});

describe('agent executors: a hostile prompt arrives as it is', () => {
  const marker = join(tempDir('waymark-agent-injection-'), 'pwned');
  const prompt = `$(touch ${marker}) \`touch ${marker}\`; touch ${marker}\n--yolo --upload-pack=x`;
  it.each([
    ['claude-code', 'stdin'],
    ['codex', 'stdin'],
    ['gemini', '--prompt='],
    ['grok', '--single='],
  ])('%s: on its %s', async (provider, where) => {
    const run = await runAgent(provider, { prompt });
    expect(run.error).toBeUndefined();
    const seen = run.invocations()[0];
    if (where === 'stdin') expect(seen?.stdin).toBe(prompt);
    else expect(seen?.args.at(-1)).toBe(`${where}${prompt}`);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('agent executors: settings become each CLI flags', () => {
  const files = { 'roles/coder.md': '---\nmodel: from-role\n---\nYou code.' };
  const settings = {
    prompt: 'Go',
    role: 'coder',
    model: 'm1',
    permissions: 'edit',
  };

  it('claude-code: every value after =, the role as an appended system prompt', async () => {
    const run = await runAgent(
      'claude-code',
      { ...settings, max_turns: 3, allowed_tools: ['Bash(git *)', 'Edit'] },
      { files },
    );
    expect(run.error).toBeUndefined();
    expect(run.invocations()[0]?.args).toEqual([
      '-p',
      '--output-format=stream-json',
      '--verbose',
      '--model=m1',
      '--max-turns=3',
      '--permission-mode=acceptEdits',
      '--allowedTools=Bash(git *),Edit',
      '--append-system-prompt=You code.',
    ]);
  });

  it('codex: instructions in front of the prompt, the sandbox from permissions', async () => {
    const run = await runAgent('codex', settings, { files });
    expect(run.invocations()[0]).toMatchObject({
      args: [
        'exec',
        '--json',
        '--color=never',
        '--skip-git-repo-check',
        '--model=m1',
        '--sandbox=workspace-write',
        '-c',
        'approval_policy="never"',
        '-',
      ],
      stdin: 'You code.\n\n# Task\n\nGo',
    });
  });

  it('gemini', async () => {
    const run = await runAgent(
      'gemini',
      { ...settings, permissions: 'full', allowed_tools: ['read_file'] },
      { files },
    );
    expect(run.invocations()[0]?.args).toEqual([
      '--output-format=stream-json',
      '--skip-trust',
      '--model=m1',
      '--approval-mode=yolo',
      '--allowed-tools=read_file',
      '--prompt=You code.\n\n# Task\n\nGo',
    ]);
  });

  it('grok', async () => {
    const run = await runAgent(
      'grok',
      {
        ...settings,
        permissions: 'read-only',
        max_turns: 2,
        allowed_tools: ['run_terminal_cmd', 'read_file'],
      },
      { files },
    );
    expect(run.invocations()[0]?.args).toEqual([
      '--output-format=streaming-messages-json',
      '--no-auto-update',
      '--model=m1',
      '--max-turns=2',
      '--permission-mode=dontAsk',
      '--allow=run_terminal_cmd',
      '--allow=read_file',
      '--rules=You code.',
      '--single=Go',
    ]);
  });

  it('refuses a stage setting the CLI has no flag for; leaves out one inherited from a file', async () => {
    const codex = agentExecutors().find((e) => e.name === 'codex') as Executor;
    const refused = codex.withSchema.safeParse({ prompt: 'p', max_turns: 3, allowed_tools: ['x'] });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['max_turns', 'codex has no max-turns limit (its timeout bounds a run): remove max_turns'],
      [
        'allowed_tools',
        'codex has no per-tool allow list (permissions sets its sandbox): remove allowed_tools',
      ],
    ]);
    const run = await runAgent(
      'gemini',
      { prompt: 'p', role: 'r' },
      { files: { 'roles/r.md': '---\nmax_turns: 4\n---\nbody' } },
    );
    expect(run.error).toBeUndefined();
    expect(run.invocations()[0]?.args.some((a) => a.includes('turns'))).toBe(false);
    expect(run.step.lines('log')).toContain(
      'gemini has no max-turns flag (maxSessionTurns in its settings file; a timeout bounds a run): max_turns of the role, profile or skills is left out',
    );
  });
});

describe('agent executors: failures are clear step errors', () => {
  const reported: Array<[string, string]> = [
    [
      'claude-code',
      'claude-code reported an error: Not logged in · Please run /login (it exited with code 1)',
    ],
    [
      'codex',
      'codex reported an error: stream disconnected before completion (it exited with code 1)',
    ],
    [
      'gemini',
      'gemini reported an error: Reached max session turns for this session (it exited with code 53)',
    ],
    [
      'grok',
      'grok reported an error: Not signed in. Run `grok login` or set XAI_API_KEY. (it exited with code 1)',
    ],
  ];
  it.each(reported)(
    '%s: a failure the CLI reports is AGENT_FAILED with its message',
    async (provider, message) => {
      const { error } = await runAgent(provider, { prompt: 'p' }, scenario('error'));
      expect(error).toBeInstanceOf(WaymarkError);
      expect(error).toMatchObject({ code: 'AGENT_FAILED', retryable: true, message });
    },
  );

  it('gemini: the error object it prints on stderr before its stream starts', async () => {
    const { error } = await runAgent('gemini', { prompt: 'p' }, scenario('auth-error'));
    expect(error).toMatchObject({
      code: 'AGENT_FAILED',
      message:
        'gemini reported an error: Please set an Auth method in your settings.json (code 41) (it exited with code 41)',
    });
  });

  it.each(['claude-code', 'codex', 'gemini', 'grok'])(
    '%s: malformed output is AGENT_OUTPUT',
    async (provider) => {
      const { error } = await runAgent(provider, { prompt: 'p' }, scenario('malformed'));
      expect(error).toMatchObject({
        code: 'AGENT_OUTPUT',
        retryable: false,
        message: `${provider} printed something that is not a JSON object at line 1 of its output: Welcome! Logging in…`,
      });
    },
  );

  it.each(['claude-code', 'codex', 'gemini', 'grok'])(
    '%s: a non-zero exit is AGENT_EXIT with the tail of stderr',
    async (provider) => {
      const { error } = await runAgent(provider, { prompt: 'p' }, scenario('exit'));
      expect(error).toMatchObject({
        code: 'AGENT_EXIT',
        retryable: true,
        details: { exitCode: 3 },
      });
      expect(error?.message).toMatch(
        new RegExp(
          `^${provider} exited with code 3: (Reading prompt from stdin...\\n)?thread main panicked at src/agent.rs:42: index out of bounds$`,
        ),
      );
    },
  );

  it.each(['claude-code', 'codex', 'gemini', 'grok'])(
    '%s: exiting 0 before the final record is AGENT_OUTPUT',
    async (provider) => {
      const { error } = await runAgent(provider, { prompt: 'p' }, scenario('no-result'));
      expect(error?.code).toBe('AGENT_OUTPUT');
      expect(error?.message).toMatch(
        new RegExp(`^${provider} exited 0 but the output ended without`),
      );
    },
  );

  it('a CLI that is not installed is AGENT_SPAWN, naming the executable', async () => {
    const { error } = await runAgent(
      'codex',
      { prompt: 'p' },
      { binaries: { codex: 'codex-not-installed' } },
    );
    expect(error).toMatchObject({ code: 'AGENT_SPAWN', retryable: false });
    expect(error?.message).toMatch(/^cannot start codex: "codex-not-installed" was not found/);
  });

  it('the binary is configurable per provider', async () => {
    const { output } = await runAgent(
      'grok',
      { prompt: 'p' },
      { binaries: { grok: join(FAKES, 'grok') }, env: { PATH: '/usr/bin:/bin' } },
    );
    expect(output?.['text']).toBe('Done: p');
  });

  it('a cwd that does not exist is AGENT_CONFIG; one that does is where the agent runs', async () => {
    const missing = await runAgent('claude-code', { prompt: 'p', cwd: 'nowhere' });
    expect(missing.error).toMatchObject({ code: 'AGENT_CONFIG' });
    expect(missing.error?.message).toMatch(/^claude-code: cwd .*nowhere is not a directory$/);
    const ok = await runAgent(
      'claude-code',
      { prompt: 'p', cwd: 'repo' },
      { files: { 'repo/README.md': '# r' } },
    );
    expect(ok.invocations()[0]?.cwd).toBe(join(ok.dir, 'repo'));
  });

  it('a hang is killed at the step timeout, its whole process group with it', async () => {
    const dir = tempDir('waymark-agent-hang-');
    const pids = join(dir, 'pids');
    const controller = new AbortController();
    const running = runAgent(
      'codex',
      { prompt: 'p' },
      {
        env: { FAKE_AGENT_SCENARIO: 'hang', FAKE_AGENT_PIDS: pids },
        signal: controller.signal,
      },
    );
    await until(() => existsSync(pids) && readFileSync(pids, 'utf8').split('\n').length >= 3);
    const [leader, child] = readFileSync(pids, 'utf8').trim().split('\n').map(Number) as [
      number,
      number,
    ];
    expect(alive(leader) && alive(child)).toBe(true);
    // What the engine does when the step's timeout fires.
    controller.abort(
      new WaymarkError('STEP_TIMEOUT', 'step "code" timed out after 50 ms', { retryable: true }),
    );
    const { error } = await running;
    expect(error).toMatchObject({ code: 'STEP_TIMEOUT' });
    // The leader ignores SIGTERM: it and its child are gone once SIGKILL followed.
    await until(() => !alive(leader) && !alive(child));
  });

  it('a killed agent leaves what it printed until then as its transcript', async () => {
    const controller = new AbortController();
    const pids = join(tempDir('waymark-agent-hang-'), 'pids');
    const running = runAgent(
      'claude-code',
      { prompt: 'p' },
      { env: { FAKE_AGENT_SCENARIO: 'hang', FAKE_AGENT_PIDS: pids }, signal: controller.signal },
    );
    await until(() => existsSync(pids));
    controller.abort(new WaymarkError('CANCELLED', 'the run was cancelled'));
    const { error, ctx, step } = await running;
    expect(error).toMatchObject({ code: 'CANCELLED' });
    const lines = readFileSync(join(ctx.artifactsDir, 'claude-code.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['system']);
    expect(step.lines()).toEqual([`session ${SESSION} · claude-sonnet-4-5`]);
  });
});

describe('agent executors: masking and the transcript', () => {
  it("masks the CLIs' API keys and the workflow's secrets in the output, the log and the transcript", async () => {
    const run = await runAgent(
      'claude-code',
      { prompt: 'say hunter22' },
      {
        env: { ANTHROPIC_API_KEY: 'sk-ant-0123456789', FAKE_AGENT_PRINT_ENV: 'ANTHROPIC_API_KEY' },
        secrets: ['hunter22'],
      },
    );
    expect(run.error).toBeUndefined();
    expect(run.output?.['text']).toBe('Done: say *** ANTHROPIC_API_KEY=***');
    const everything = JSON.stringify([run.output, run.step.events]);
    expect(everything).not.toContain('sk-ant-0123456789');
    expect(everything).not.toContain('hunter22');
    const dir = run.ctx.artifactsDir;
    expect(readdirSync(dir)).toEqual(['claude-code.jsonl']);
    const transcript = readFileSync(join(dir, 'claude-code.jsonl'), 'utf8');
    expect(transcript.trim().split('\n')).toHaveLength(6);
    expect(transcript).not.toContain('sk-ant-0123456789');
    expect(transcript).not.toContain('hunter22');
  });

  it("masks every provider's keys, not only its own, also when made alone", async () => {
    const run = await runAgent(
      'claude-code',
      { prompt: 'p' },
      {
        alone: true,
        env: { OPENAI_API_KEY: 'sk-proj-other-7', FAKE_AGENT_PRINT_ENV: 'OPENAI_API_KEY' },
      },
    );
    expect(run.error).toBeUndefined();
    expect(run.output?.['text']).toBe('Done: p OPENAI_API_KEY=***');
    expect(JSON.stringify([run.output, run.step.events])).not.toContain('sk-proj-other-7');
  });

  it('masks them in errors too', async () => {
    const run = await runAgent(
      'codex',
      { prompt: 'p' },
      {
        env: {
          FAKE_AGENT_SCENARIO: 'exit',
          OPENAI_API_KEY: 'sk-proj-secret-42',
          FAKE_AGENT_PRINT_ENV: 'OPENAI_API_KEY',
        },
      },
    );
    expect(run.error?.code).toBe('AGENT_EXIT');
    expect(run.error?.message).toMatch(/OPENAI_API_KEY=\*\*\*$/);
    expect(JSON.stringify([run.error?.message, run.error?.details, run.step.events])).not.toContain(
      'sk-proj-secret-42',
    );
    // What it printed is kept, masked: stdout as <provider>.jsonl, stderr beside it.
    const dir = run.ctx.artifactsDir;
    expect(readdirSync(dir).sort()).toEqual(['codex.jsonl', 'codex.stderr.log']);
    expect(run.error?.details).toMatchObject({ transcript: join(dir, 'codex.jsonl') });
    expect(readFileSync(join(dir, 'codex.jsonl'), 'utf8')).toContain('"thread.started"');
    const stderr = readFileSync(join(dir, 'codex.stderr.log'), 'utf8');
    expect(stderr).toContain('OPENAI_API_KEY=***');
    expect(stderr).not.toContain('sk-proj-secret-42');
  });
});
