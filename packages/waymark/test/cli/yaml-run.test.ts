import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliHarness, cli, makeScratchDir, runIdOf, writeFixture } from './cli-harness.ts';
import { until } from '../until.ts';

let scratch: ReturnType<typeof makeScratchDir>;
beforeEach(() => {
  scratch = makeScratchDir();
});
afterEach(() => scratch.cleanup());

const HELLO = `id: hello
inputs:
  name: { type: string, default: world }
steps:
  - id: greet
    uses: log
    with:
      message: Hello \${ inputs.name }
  - id: shout
    if: \${ inputs.name == "" }
    uses: log
    with:
      message: nobody there
  - id: count
    uses: set
    with:
      n: 21
  - id: echo
    uses: shell
    with:
      command: [sh, -c, 'echo "doubled=$X home=$HOME"']
      env:
        X: \${ string(vars.n * 2) }
output:
  greeting: Hello \${ inputs.name }
  n: \${ vars.n }
  echo: \${ steps.echo.output }
`;

const PAUSED = (label: string): string => `id: paused
steps:
  - id: before
    uses: set
    with:
      label: ${label}
  - id: pause
    wait:
      duration: 400ms
  - id: after
    uses: set
    with:
      after: ${label}
output:
  label: \${ vars.label }
  after: \${ vars.after }
`;

/** Runs `file` until its `pause` step sleeps, interrupts it (Ctrl-C), and returns the run id. */
async function interruptedAtPause(file: string): Promise<string> {
  const harness = new CliHarness(scratch.dir);
  const running = harness.run('run', file, '--db', 'test.db');
  await until(() => harness.stdout.includes('⏸ pause'));
  harness.interrupt();
  const interrupted = await running;
  expect(interrupted.code).toBe(130);
  return runIdOf(interrupted.stdout);
}

/** `waymark run <file> --resume <runId>`, expected to end well. */
async function resumed(file: string, runId: string): Promise<string> {
  const { code, stdout, stderr } = await cli(
    scratch.dir,
    'run',
    file,
    '--resume',
    runId,
    '--db',
    'test.db',
  );
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return stdout;
}

describe('waymark run <file.yaml>', () => {
  it('validates, compiles and runs a YAML workflow like a code workflow', async () => {
    writeFixture(scratch.dir, 'hello.workflow.yaml', HELLO);
    const harness = new CliHarness(scratch.dir, { HOME: '/home/ada' });
    const { code, stdout, stderr } = await harness.run(
      'run',
      'hello.workflow.yaml',
      '--input',
      'name=Ada',
      '--db',
      'test.db',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^Run [0-9a-f-]{36} of hello \(db .*test\.db\)$/);
    // Without a retry policy or on_failure: retry, a YAML step makes one attempt.
    expect(lines).toContain('▶ greet  attempt 1/1');
    expect(lines).toContain('⤼ shout  skipped: if ${ inputs.name == "" } is false');
    expect(lines.some((l) => /^✔ echo {2}\d+ms$/.test(l))).toBe(true);
    expect(stdout).toContain(
      JSON.stringify(
        // The shell step starts from the CLI's environment (config.ts).
        { greeting: 'Hello Ada', n: 21, echo: 'doubled=42 home=/home/ada' },
        null,
        2,
      ),
    );

    const status = await cli(scratch.dir, 'status', runIdOf(stdout), '--db', 'test.db');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(
        `^Definition +${join(scratch.dir, 'hello.workflow.yaml')} sha256:[0-9a-f]{12}$`,
        'm',
      ),
    );
    const json = await cli(scratch.dir, 'status', runIdOf(stdout), '--db', 'test.db', '--json');
    const { run } = JSON.parse(json.stdout) as {
      run: { definition: { source: string; hash: string; file: string } };
    };
    expect(run.definition.source).toBe(HELLO);
    expect(run.definition.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(status.stdout).toContain(`sha256:${run.definition.hash.slice(0, 12)}`);
  });

  it('validates --input against the YAML inputs (exit 2)', async () => {
    writeFixture(scratch.dir, 'hello.workflow.yaml', HELLO);
    const { code, stderr } = await cli(
      scratch.dir,
      'run',
      'hello.workflow.yaml',
      '--input-json',
      '{"name":5}',
      '--db',
      'test.db',
    );
    expect(code).toBe(2);
    expect(stderr).toContain('name');
  });

  it('prints every mistake as file:line:column, exits 2, and creates no run', async () => {
    writeFixture(
      scratch.dir,
      'bad.workflow.yaml',
      'id: bad\nsteps:\n  - id: a\n    uses: lgo\n  - id: a\n    uses: log\n',
    );
    const { code, stdout, stderr } = await cli(
      scratch.dir,
      'run',
      'bad.workflow.yaml',
      '--db',
      'test.db',
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('bad.workflow.yaml:4:11: unknown executor "lgo"; did you mean "log"?');
    expect(stderr).toMatch(/bad\.workflow\.yaml:5:9: duplicate step id "a"/);
    expect(stderr).toContain('bad.workflow.yaml:6:11: log needs "message"');
    expect(stderr).toContain('3 errors; nothing was run');
    expect(existsSync(join(scratch.dir, 'test.db'))).toBe(false);
  });

  it('--dry-run prints the plan and touches no database', async () => {
    writeFixture(scratch.dir, 'hello.workflow.yaml', HELLO);
    const { code, stdout } = await cli(
      scratch.dir,
      'run',
      'hello.workflow.yaml',
      '--dry-run',
      '--db',
      'test.db',
    );
    expect(code).toBe(0);
    expect(stdout).toContain('workflow hello');
    expect(stdout).toContain('greet: uses log');
    expect(existsSync(join(scratch.dir, 'test.db'))).toBe(false);

    const json = await cli(scratch.dir, 'run', 'hello.workflow.yaml', '--dry-run', '--json');
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as { id: string; steps: { id: string }[] };
    expect(plan.id).toBe('hello');
    expect(plan.steps.map((s) => s.id)).toEqual(['greet', 'shout', 'count', 'echo']);
    expect(existsSync(join(scratch.dir, '.waymark'))).toBe(false);
  });

  it('runs a registered workflow by id from the workflows directory, with nested runs', async () => {
    mkdirSync(join(scratch.dir, 'flows'));
    writeFixture(scratch.dir, 'flows/hello.workflow.yaml', HELLO);
    writeFixture(
      scratch.dir,
      'flows/parent.workflow.yaml',
      'id: parent\nsteps:\n  - id: child\n    run:\n      workflow: hello\n      inputs: { name: Kid }\noutput: ${ steps.child.output.greeting }\n',
    );
    const { code, stdout, stderr } = await cli(
      scratch.dir,
      'run',
      'parent',
      '--dir',
      'flows',
      '--db',
      'test.db',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('"Hello Kid"');

    const missing = await cli(scratch.dir, 'run', 'nope', '--dir', 'flows', '--db', 'test.db');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no workflow "nope"');
    expect(missing.stderr).toContain(join(scratch.dir, 'flows', 'nope.workflow.yaml'));
  });

  it('resumes with the definition the run recorded, not the edited file', async () => {
    const file = writeFixture(scratch.dir, 'paused.workflow.yaml', PAUSED('original'));
    const runId = await interruptedAtPause('paused.workflow.yaml');
    writeFileSync(file, PAUSED('edited'));
    expect(await resumed('paused.workflow.yaml', runId)).toContain(
      JSON.stringify({ label: 'original', after: 'original' }, null, 2),
    );
    // A new run uses the file as it is now.
    const fresh = await cli(scratch.dir, 'run', 'paused.workflow.yaml', '--db', 'test.db');
    expect(fresh.stdout).toContain(JSON.stringify({ label: 'edited', after: 'edited' }, null, 2));
  });

  it('resumes a parent interrupted while its child run sleeps, with the recorded child', async () => {
    const child = writeFixture(scratch.dir, 'paused.workflow.yaml', PAUSED('original'));
    writeFixture(
      scratch.dir,
      'parent.workflow.yaml',
      'id: parent\nsteps:\n  - id: child\n    run:\n      workflow: ./paused.workflow.yaml\noutput: ${ steps.child.output }\n',
    );
    const runId = await interruptedAtPause('parent.workflow.yaml');
    writeFileSync(child, PAUSED('edited'));
    expect(await resumed('parent.workflow.yaml', runId)).toContain(
      JSON.stringify({ label: 'original', after: 'original' }, null, 2),
    );
  });

  it('resumes a parent whose child had not started with the child text recorded at its start', async () => {
    const CHILD = (label: string): string =>
      `id: child\nsteps:\n  - id: say\n    uses: set\n    with:\n      label: ${label}\noutput: \${ vars.label }\n`;
    const child = writeFixture(scratch.dir, 'child.workflow.yaml', CHILD('original'));
    writeFixture(
      scratch.dir,
      'parent.workflow.yaml',
      'id: parent\nsteps:\n  - id: pause\n    wait:\n      duration: 400ms\n  - id: child\n    run:\n      workflow: ./child.workflow.yaml\noutput: ${ steps.child.output }\n',
    );
    const runId = await interruptedAtPause('parent.workflow.yaml');
    const status = await cli(scratch.dir, 'status', runId, '--db', 'test.db', '--json');
    const { run } = JSON.parse(status.stdout) as {
      run: { definition: { nested: Record<string, { source: string; file: string }> } };
    };
    expect(run.definition.nested).toEqual({
      './child.workflow.yaml': expect.objectContaining({ source: CHILD('original'), file: child }),
    });

    // Edited into a file that does not even validate: the run does not read it again.
    writeFileSync(child, CHILD('edited').replace('uses: set', 'uses: sett'));
    const stdout = await resumed('parent.workflow.yaml', runId);
    expect(stdout).toContain('"original"');
    expect(stdout).not.toContain('edited');
  });

  it('a worker started from the edited file runs older runs with their recorded text', async () => {
    const file = writeFixture(scratch.dir, 'paused.workflow.yaml', PAUSED('original'));
    const older = await interruptedAtPause('paused.workflow.yaml');

    writeFileSync(file, PAUSED('edited'));
    // This process's worker also claims the older run (same workflow name) when it is due.
    const fresh = await cli(scratch.dir, 'run', 'paused.workflow.yaml', '--db', 'test.db');
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toContain(JSON.stringify({ label: 'edited', after: 'edited' }, null, 2));
    const status = await cli(scratch.dir, 'status', older, '--db', 'test.db', '--json');
    const { run } = JSON.parse(status.stdout) as { run: { status: string; output: unknown } };
    expect(run).toMatchObject({
      status: 'completed',
      output: { label: 'original', after: 'original' },
    });
  });
});
