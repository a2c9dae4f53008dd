import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliHarness, cli, makeScratchDir, writeFixture } from './cli-harness.ts';
import { BASIC_WORKFLOW, NO_WORKFLOW_MODULE, PARENT_CHILD_WORKFLOWS } from './fixtures.ts';
import { loadErrorText } from '../../src/cli/load-workflow-module.ts';

let scratch: ReturnType<typeof makeScratchDir>;
beforeAll(() => {
  scratch = makeScratchDir();
  writeFixture(scratch.dir, 'basic.workflow.ts', BASIC_WORKFLOW);
  writeFixture(scratch.dir, 'none.ts', NO_WORKFLOW_MODULE);
  writeFixture(scratch.dir, 'family.workflow.ts', PARENT_CHILD_WORKFLOWS);
  writeFileSync(
    join(scratch.dir, 'not-a-db.db'),
    'this is not a SQLite database, just text '.repeat(200),
  );
});
afterAll(() => scratch.cleanup());

/** Every error is one `waymark: error: …` line on stderr, nothing on stdout, no stack trace. */
function expectOneLineError(result: { stdout: string; stderr: string }, pattern: RegExp): void {
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^waymark: error: [^\n]+\n$/);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('CLI errors', () => {
  it('unknown file: names the resolved path, exit 1', async () => {
    const result = await cli(scratch.dir, 'run', 'missing/flow.ts');
    expect(result.code).toBe(1);
    expectOneLineError(result, new RegExp(`no such file: ${join(scratch.dir, 'missing/flow.ts')}`));
  });

  it('a module without a workflow export: lists the exports it has, exit 1', async () => {
    const result = await cli(scratch.dir, 'run', 'none.ts');
    expect(result.code).toBe(1);
    expectOneLineError(
      result,
      /none\.ts exports no workflow .*; its exports: helper, notAWorkflow/,
    );
  });

  it('an unknown --workflow export: lists the workflow exports, exit 1', async () => {
    const result = await cli(scratch.dir, 'run', 'family.workflow.ts', '--workflow', 'nope');
    expect(result.code).toBe(1);
    expectOneLineError(
      result,
      /no workflow export named "nope" \(workflow exports: child, default, other\)/,
    );
  });

  it('invalid input: lists every schema problem, exit 2', async () => {
    const result = await cli(
      scratch.dir,
      'run',
      'basic.workflow.ts',
      '--input',
      'count=many',
      '--db',
      'x.db',
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('waymark: error: invalid input for workflow "basic"');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}- name: .*string/),
      expect.stringMatching(/^ {2}- count: .*number/),
    ]);
  });

  it('invalid --input syntax: exit 2, before anything is loaded', async () => {
    const result = await cli(scratch.dir, 'run', 'missing.ts', '--input', 'oops');
    expect(result.code).toBe(2);
    expectOneLineError(result, /invalid --input "oops": expected key=value/);
  });

  it('--input combined with --resume: exit 2', async () => {
    const result = await cli(
      scratch.dir,
      'run',
      'basic.workflow.ts',
      '--resume',
      'x',
      '--input',
      'a=1',
    );
    expect(result.code).toBe(2);
    expectOneLineError(result, /cannot be combined with --resume/);
  });

  it('unknown run id: exit 1, for status, history and run --resume', async () => {
    await cli(
      scratch.dir,
      'run',
      'basic.workflow.ts',
      '--input',
      'name=a',
      '--input',
      'count=1',
      '--db',
      'runs.db',
      '--json',
    );
    for (const args of [
      ['status', 'no-such-run'],
      ['history', 'no-such-run'],
      ['run', 'basic.workflow.ts', '--resume', 'no-such-run'],
    ]) {
      const result = await cli(scratch.dir, ...args, '--db', 'runs.db');
      expect(result.code).toBe(1);
      expectOneLineError(result, /no run with id no-such-run in .*runs\.db/);
    }
  });

  it('a database file that is not a database: the store error names the path, exit 1', async () => {
    const result = await cli(scratch.dir, 'list', '--db', 'not-a-db.db');
    expect(result.code).toBe(1);
    expectOneLineError(result, new RegExp(`${join(scratch.dir, 'not-a-db.db')}.*not a database`));
    const run = await cli(
      scratch.dir,
      'run',
      'basic.workflow.ts',
      '--input',
      'name=a',
      '--input',
      'count=1',
      '--db',
      'not-a-db.db',
    );
    expect(run.code).toBe(1);
    expectOneLineError(run, /not-a-db\.db/);
  });

  it('a database path that cannot be created: exit 1, naming the path', async () => {
    // Under a regular file, so it fails even for root.
    const result = await cli(
      scratch.dir,
      'run',
      'basic.workflow.ts',
      '--input',
      'name=a',
      '--input',
      'count=1',
      '--db',
      'not-a-db.db/sub/x.db',
    );
    expect(result.code).toBe(1);
    expectOneLineError(result, /cannot open SQLite database .*not-a-db\.db\/sub\/x\.db/);
  });

  it('a read command on a database that does not exist: exit 1, and creates nothing', async () => {
    const result = await cli(scratch.dir, 'status', 'some-id', '--db', 'absent.db');
    expect(result.code).toBe(1);
    expectOneLineError(result, /no database at .*absent\.db/);
    expect((await cli(scratch.dir, 'list', '--db', 'absent.db')).code).toBe(1);
  });

  it('invalid option values: exit 2', async () => {
    const status = await cli(scratch.dir, 'list', '--status', 'done');
    expect(status.code).toBe(2);
    expectOneLineError(status, /invalid --status "done": expected one of pending, running/);
    const limit = await cli(scratch.dir, 'list', '--limit', '0');
    expect(limit.code).toBe(2);
    expectOneLineError(limit, /invalid --limit "0"/);
  });

  it("unknown command or option: commander's message on one line, exit 2", async () => {
    const command = await cli(scratch.dir, 'launch');
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/^waymark: error: unknown command 'launch'/);
    const typo = await cli(scratch.dir, 'lst');
    expect(typo).toEqual({
      code: 2,
      stdout: '',
      stderr: "waymark: error: unknown command 'lst' (Did you mean list?)\n",
    });
    const option = await cli(scratch.dir, 'list', '--colour');
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^waymark: error: unknown option '--colour'/);
    const missing = await cli(scratch.dir, 'status');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("waymark: error: missing required argument 'runId'\n");
  });

  it('--help and --version exit 0 on stdout', async () => {
    const help = await cli(scratch.dir, '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: waymark');
    expect(help.stdout).toContain('WAYMARK_DB');
    const runHelp = await cli(scratch.dir, 'run', '--help');
    expect(runHelp.stdout).toContain('--resume <runId>');
    const version = await cli(scratch.dir, '--version');
    expect(version).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/),
      stderr: '',
    });
  });

  it('prints the stack trace only with WAYMARK_DEBUG=1', async () => {
    const debug = await new CliHarness(scratch.dir, { WAYMARK_DEBUG: '1' }).run(
      'list',
      '--db',
      'not-a-db.db',
    );
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^waymark: error: .*not a database\n.*StoreError/);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});

describe('a workflow module that cannot be loaded', () => {
  it('is said in one line: a syntax error at file:line:column, a missing module without its require stack', () => {
    const syntax = new Error(
      'Transform failed with 2 errors:\n/p/wf.ts:3:12: ERROR: Unexpected ";"\n/p/wf.ts:9:1: ERROR: Unexpected "}"',
    );
    expect(loadErrorText(syntax)).toBe('/p/wf.ts:3:12: Unexpected ";" (and 1 more)');
    const missing = new Error("Cannot find module 'left-pad'\nRequire stack:\n- /p/wf.ts");
    expect(loadErrorText(missing)).toBe("Cannot find module 'left-pad'");
    expect(loadErrorText('thrown text')).toBe('thrown text');
    // Other messages keep every line: a ValidationError lists its problems after the first.
    const invalid = new Error(
      'invalid workflow definition "bad name!"\n  - name: must be 1-200 characters',
    );
    expect(loadErrorText(invalid)).toBe(invalid.message);
    expect(loadErrorText(new TypeError(''))).toBe('TypeError');
  });
});
