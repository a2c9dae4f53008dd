/**
 * Every workflow under examples/ works as its comments and the docs say: YAML files validate
 * (nested runs resolved) and plan (`--dry-run`), every example runs to the end through the
 * CLI, and the YAML ones run registered too. The release example's shell steps run npm (a
 * registry, a publish); here an `npm` stand-in comes first on PATH and logs its arguments:
 * `dry_run=true` must call it never, a real run once per step. A new example fails this test
 * until it is added to RUNS.
 */
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_AGENT_CLIS, FAKE_SESSION_ID } from '../fixtures/agent-clis/fake-agents.ts';
import { CliHarness, REPO_ROOT, cli, makeScratchDir } from './cli-harness.ts';

const EXAMPLES = join(REPO_ROOT, 'examples');

interface ExampleRun {
  /** What the run shows, when an example has several. */
  title?: string;
  args: (scratch: string) => string[];
  /** Environment of the run (the CLI passes it to shell steps). */
  env?: (scratch: string) => Record<string, string>;
  check: (output: unknown, scratch: string) => void;
}

const RUNS: Record<string, ExampleRun | ExampleRun[]> = {
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
  'yaml/release.workflow.yaml': [
    {
      title: 'with dry_run, calling no command',
      args: () => ['--input', 'version=1.2.3', '--input', 'dry_run=true'],
      env: (dir) => fakeNpm(dir),
      check: (output, dir) => {
        expect(output).toEqual({ tag: 'v1.2.3', published: false });
        expect(existsSync(join(dir, 'calls.txt'))).toBe(false);
      },
    },
    {
      title: 'for real, each command once (npm faked)',
      args: () => ['--input', 'version=1.2.3', '--input', 'registry_wait=10ms'],
      env: (dir) => ({ ...fakeNpm(dir), NPM_TOKEN: 'npm-secret-token' }),
      check: (output, dir) => {
        expect(output).toEqual({ tag: 'v1.2.3', published: true });
        const calls = readFileSync(join(dir, 'calls.txt'), 'utf8').trimEnd().split('\n');
        expect(calls.slice(0, 2).sort()).toEqual(['npm run lint', 'npm test']); // in parallel
        expect(calls.slice(2)).toEqual([
          'npm version 1.2.3 --workspace waymark --no-git-tag-version --allow-same-version',
          'npm pack --workspace waymark --pack-destination .waymark/release',
          'npm publish .waymark/release/waymark-1.2.3.tgz --tag stable',
          'npm view waymark@1.2.3 version',
        ]);
      },
    },
  ],
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

/** The environment of a run whose `npm` appends its arguments to <dir>/calls.txt. */
function fakeNpm(dir: string): Record<string, string> {
  const file = join(dir, 'npm');
  writeFileSync(file, `#!/bin/sh\necho "npm $*" >> "$CALLS"\necho ok\n`);
  chmodSync(file, 0o755);
  return { PATH: `${dir}:${process.env['PATH'] ?? ''}`, CALLS: join(dir, 'calls.txt') };
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
      const valid = await cli(REPO_ROOT, 'validate', path);
      expect(valid.stdout).toBe(`✔ ${path}: valid\n`);
      expect(valid.code).toBe(0);
      const plan = await cli(REPO_ROOT, 'run', path, '--dry-run');
      expect(plan.code).toBe(0);
      expect(plan.stdout).toMatch(/^workflow [\w-]+/);
    });
  }

  it('the YAML examples run registered, as docs/yaml.md says: notify-team first, then release', async () => {
    const yaml = join(EXAMPLES, 'yaml');
    const harness = new CliHarness(scratch.dir);
    // release names ./notify-team.workflow.yaml: registered, that is workflows/notify-team…
    const early = await harness.run('workflows', 'create', join(yaml, 'release.workflow.yaml'));
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('workflow "./notify-team.workflow.yaml" not found');
    for (const file of ['notify-team.workflow.yaml', 'release.workflow.yaml']) {
      const created = await harness.run('workflows', 'create', join(yaml, file));
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
    }
    const run = await harness.run(
      'run',
      'release',
      '--input',
      'version=1.2.3',
      '--input',
      'dry_run=true',
      '--json',
    );
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'completed',
      output: { tag: 'v1.2.3', published: false },
    });
  });

  for (const [file, run] of Object.entries(RUNS).flatMap(([file, runs]) =>
    (Array.isArray(runs) ? runs : [runs]).map((run) => [file, run] as const),
  )) {
    it(`${file} runs to the end${run.title === undefined ? '' : `: ${run.title}`}`, async () => {
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
