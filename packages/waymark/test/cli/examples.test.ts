/**
 * Every workflow under examples/ works as its comments say: YAML files validate (nested runs
 * resolved) and plan (`--dry-run`), and every example runs to the end through the CLI. The
 * release example's shell steps run npm and curl (a network); here they find stand-ins first
 * on PATH, which log their arguments, and `dry_run=true` skips the publish and the 5-minute
 * CDN wait. A new example fails this test until it is added to RUNS.
 */
import { chmodSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_AGENT_CLIS, FAKE_SESSION_ID } from '../fixtures/agent-clis/fake-agents.ts';
import { CliHarness, REPO_ROOT, cli, makeScratchDir } from './cli-harness.ts';

const EXAMPLES = join(REPO_ROOT, 'examples');

interface ExampleRun {
  args: (scratch: string) => string[];
  /** Environment of the run (the CLI passes it to shell steps). */
  env?: (scratch: string) => Record<string, string>;
  check: (output: unknown, scratch: string) => void;
}

const RUNS: Record<string, ExampleRun> = {
  'hello.workflow.ts': {
    args: () => ['--input', 'name=examples'],
    check: (output) =>
      expect(output).toMatchObject({ greeting: 'Hello, examples!', luckyNumber: 56, attempt: 2 }),
  },
  'crash-demo.workflow.ts': {
    args: (dir) => ['--input', `ledger=${join(dir, 'ledger.txt')}`],
    check: (output, dir) => {
      expect(output).toEqual({ steps: 20, ledger: join(dir, 'ledger.txt') });
      expect(readFileSync(join(dir, 'ledger.txt'), 'utf8').trimEnd().split('\n')).toHaveLength(20);
    },
  },
  'yaml/notify-team.workflow.yaml': {
    args: () => ['--input', 'text=hello'],
    check: (output) => expect(output).toEqual({ channel: 'releases', message: '#releases: hello' }),
  },
  'yaml/release.workflow.yaml': {
    args: () => ['--input', 'version=1.2.3', '--input', 'dry_run=true'],
    env: (dir) => ({
      PATH: `${fakeCommands(dir, ['npm', 'curl'])}:${process.env['PATH'] ?? ''}`,
      CALLS: join(dir, 'calls.txt'),
    }),
    check: (output, dir) => {
      expect(output).toEqual({ tag: 'v1.2.3', published: false });
      expect(readFileSync(join(dir, 'calls.txt'), 'utf8').split('\n').sort()).toEqual([
        '',
        'curl -fsS https://example.com/health',
        'npm run build',
        'npm run build',
        'npm run lint',
        'npm test',
      ]);
    },
  },
  // The agents are the fake CLIs of test/fixtures/agent-clis, answering from fake-replies.json.
  'agents/feature-loop.workflow.yaml': {
    args: (dir) => ['--input', 'task=Add a slugify() helper', '--input', `workdir=${dir}`],
    env: (dir) => ({
      PATH: `${FAKE_AGENT_CLIS}:${process.env['PATH'] ?? ''}`,
      FAKE_AGENT_RULES: join(EXAMPLES, 'agents', 'fake-replies.json'),
      FAKE_AGENT_LOG: join(dir, 'agents.jsonl'),
    }),
    check: (output, dir) => {
      expect(output).toEqual({
        plan: '1. Add slugify() to src/slug.ts.\n2. Test it in test/slug.test.ts.',
        verdict: 'PASS\nThe change does what the task asks, with tests.',
        plan_session: FAKE_SESSION_ID,
      });
      const calls = readFileSync(join(dir, 'agents.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { cli: string }).cli);
      // plan, then code → test → check twice: the first review failed.
      expect(calls).toEqual(['claude', 'codex', 'gemini', 'grok', 'codex', 'gemini', 'grok']);
      expect(readFileSync(join(dir, 'slug.ts'), 'utf8')).toContain(".replace(/^-|-$/g, '')");
    },
  },
};

/** Executables that append their name and arguments to $CALLS; returns their directory. */
function fakeCommands(dir: string, names: string[]): string {
  for (const name of names) {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\necho "${name} $*" >> "$CALLS"\necho ok\n`);
    chmodSync(file, 0o755);
  }
  return dir;
}

function exampleFiles(): string[] {
  const ts = readdirSync(EXAMPLES).filter((f) => f.endsWith('.workflow.ts'));
  const yaml = ['yaml', 'agents'].flatMap((dir) =>
    readdirSync(join(EXAMPLES, dir))
      .filter((f) => f.endsWith('.workflow.yaml'))
      .map((f) => `${dir}/${f}`),
  );
  return [...ts, ...yaml].sort();
}

let scratch: ReturnType<typeof makeScratchDir>;
beforeEach(() => {
  scratch = makeScratchDir();
});
afterEach(() => scratch.cleanup());

describe('examples/', () => {
  it('every example has a run below', () => {
    expect(exampleFiles()).toEqual(Object.keys(RUNS).sort());
  });

  for (const file of exampleFiles().filter((f) => f.endsWith('.yaml'))) {
    it(`${file} validates with its nested runs and plans`, async () => {
      const path = `examples/${file}`;
      const valid = await cli(REPO_ROOT, 'validate', '--dir', 'examples/yaml', path);
      expect(valid.stdout).toBe(`✔ ${path}: valid\n`);
      expect(valid.code).toBe(0);
      const plan = await cli(REPO_ROOT, 'run', path, '--dry-run', '--dir', 'examples/yaml');
      expect(plan.code).toBe(0);
      expect(plan.stdout).toMatch(/^workflow [\w-]+/);
    });
  }

  for (const [file, run] of Object.entries(RUNS)) {
    it(`${file} runs to the end`, async () => {
      const harness = new CliHarness(scratch.dir, run.env?.(scratch.dir) ?? {});
      const { code, stdout, stderr } = await harness.run(
        'run',
        join(EXAMPLES, file),
        ...run.args(scratch.dir),
        '--db',
        scratch.db,
        '--json',
      );
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const result = JSON.parse(stdout) as { status: string; output: unknown };
      expect(result.status).toBe('completed');
      run.check(result.output, scratch.dir);
    });
  }
});
