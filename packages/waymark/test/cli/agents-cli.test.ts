/**
 * Agent steps under `waymark run`, against the fake CLIs of test/fixtures/agent-clis: the
 * executable per provider from waymark.config.json (or WAYMARK_<PROVIDER>_BIN, which wins), and
 * the agent's stream printed live, while the agent is still at work.
 */
import { until } from '../until.ts';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FAKE_AGENT_CLIS as FAKES, FAKE_SESSION_ID } from '../fixtures/agent-clis/fake-agents.ts';
import { CliHarness, makeScratchDir, writeFixture } from './cli-harness.ts';

const NODE_DIR = join(process.execPath, '..');
/** A PATH on which no agent CLI is found (the fakes need node). */
const PATH = `${NODE_DIR}:/usr/bin:/bin`;
const scratch = makeScratchDir();
afterAll(() => scratch.cleanup());

const AGENT_WORKFLOW = [
  'id: ask',
  'steps:',
  '  - id: ask',
  '    uses: codex',
  '    with: { prompt: Say hello }',
  'output: ${ steps.ask.output.text }',
  '',
].join('\n');

/** `waymark run <file> --json` in `dir`: its stderr, and the final object it printed. */
async function runJson(dir: string, env: Record<string, string>, file: string) {
  const result = await new CliHarness(dir, env).run('run', file, '--db', 'test.db', '--json');
  return { stderr: result.stderr, end: JSON.parse(result.stdout) as unknown };
}

/** A project directory with the workflow, and the fake codex as tools/codex-dev. */
function project(name: string, config: unknown): string {
  const dir = join(scratch.dir, name);
  mkdirSync(join(dir, 'tools'), { recursive: true });
  symlinkSync(join(FAKES, 'codex'), join(dir, 'tools', 'codex-dev'));
  writeFixture(dir, 'ask.workflow.yaml', AGENT_WORKFLOW);
  writeFixture(dir, 'waymark.config.json', JSON.stringify(config));
  return dir;
}

describe('agent executables in waymark.config.json', () => {
  it('runs the binary a provider section names, a relative path from the file', async () => {
    const dir = project('relative', { executors: { codex: { binary: './tools/codex-dev' } } });
    const result = await runJson(dir, { PATH }, 'ask.workflow.yaml');
    expect(result.stderr).toBe('');
    expect(result.end).toMatchObject({ status: 'completed', output: 'Done: Say hello' });

    const doctor = await new CliHarness(dir, { PATH }).run('agents', 'doctor');
    expect(doctor.stdout).toMatch(
      new RegExp(`^codex +${join(dir, 'tools', 'codex-dev')} +9\\.9\\.9-fake +✔ usable`, 'm'),
    );
    expect(doctor.stdout).toMatch(/^claude-code +claude +- +✘ not installed/m);
  });

  it('WAYMARK_<PROVIDER>_BIN wins over the file', async () => {
    const dir = project('both', { executors: { codex: { binary: '/nonexistent/codex' } } });
    const env = { PATH, WAYMARK_CODEX_BIN: join(FAKES, 'codex') };
    expect((await runJson(dir, env, 'ask.workflow.yaml')).end).toMatchObject({
      status: 'completed',
    });
    const wrong = await new CliHarness(dir, { PATH }).run(
      'run',
      'ask.workflow.yaml',
      '--db',
      'test.db',
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('cannot start codex: "/nonexistent/codex" was not found');
  });

  it('refuses an unknown executor section or setting, naming it', async () => {
    const dir = project('invalid', {
      executors: { codex: { bin: 'codex' }, htpp: { allow: [] } },
    });
    const result = await new CliHarness(dir, { PATH }).run('agents', 'doctor');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(dir, 'waymark.config.json')} is invalid:`);
    expect(result.stderr).toMatch(/executors\.codex: Unrecognized key: "bin"/);
    expect(result.stderr).toMatch(/executors: Unrecognized key: "htpp"/);
  });
});

describe('an agent step under waymark run', () => {
  it('prints the agent stream as it comes, while the agent still works', async () => {
    const dir = join(scratch.dir, 'live');
    mkdirSync(dir, { recursive: true });
    writeFixture(dir, 'ask.workflow.yaml', AGENT_WORKFLOW);
    const gate = join(dir, 'gate');
    const harness = new CliHarness(dir, {
      PATH: `${FAKES}:${PATH}`,
      FAKE_AGENT_GATE: gate,
    });
    let ended = false;
    const running = harness.run('run', 'ask.workflow.yaml', '--db', 'test.db').finally(() => {
      ended = true;
    });
    // The fake codex printed its first event and waits for the gate: it is shown already.
    await until(() => harness.stdout.includes(`│ ask  session ${FAKE_SESSION_ID}`));
    expect(ended).toBe(false);
    expect(harness.stdout).not.toContain('Done: Say hello');
    writeFileSync(gate, '');
    const result = await running;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('│ ask  $ bash -lc ls → exit 0');
    expect(result.stdout).toContain('│ ask  Done: Say hello');
  });
});

describe('an agent from code', () => {
  it('is imported from waymark/executors and called inside ctx.step', async () => {
    const dir = join(scratch.dir, 'code');
    mkdirSync(join(dir, 'roles'), { recursive: true });
    writeFixture(join(dir, 'roles'), 'poet.md', 'You write short poems.');
    writeFixture(
      dir,
      'poem.workflow.ts',
      [
        "import { defineWorkflow } from 'waymark';",
        "import { claudeCode, createAgentExecutor, DEFAULT_AGENT_TIMEOUT, invokeExecutor } from 'waymark/executors';",
        '',
        'const claude = createAgentExecutor(claudeCode, {',
        `  baseEnv: { PATH: ${JSON.stringify(`${FAKES}:${PATH}`)} },`,
        '});',
        '',
        "export default defineWorkflow({ name: 'poem' }, async (ctx) => {",
        "  const poem = await ctx.step('write', { timeout: DEFAULT_AGENT_TIMEOUT }, (step) =>",
        "    invokeExecutor(claude, { prompt: 'A haiku', role: 'poet' }, step, {",
        '      baseDir: import.meta.dirname,',
        '      artifactsRoot: `${import.meta.dirname}/.waymark/artifacts`,',
        '    }),',
        '  );',
        '  return poem.output;',
        '});',
        '',
      ].join('\n'),
    );
    const result = await runJson(dir, { PATH }, 'poem.workflow.ts');
    expect(result.stderr).toBe('');
    expect(result.end).toMatchObject({
      status: 'completed',
      output: { text: 'Done: A haiku', session_id: FAKE_SESSION_ID, cost_usd: 0.0123 },
    });
  });
});
