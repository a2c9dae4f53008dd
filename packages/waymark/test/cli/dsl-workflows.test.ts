import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from './cli-harness.ts';

const HELLO = `id: hello
name: Hello
version: 2
steps:
  - id: greet
    uses: log
    with:
      message: hello
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'waymark-workflows-'));
  writeFileSync(join(dir, 'hello.yaml'), HELLO);
  writeFileSync(join(dir, 'bad.yaml'), 'id: bad\nsteps:\n  - id: x\n    uses: lgo\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('waymark workflows', () => {
  it('creates a workflow as workflows/{id}.workflow.yaml, then lists, shows and deletes it', async () => {
    const created = await cli(dir, 'workflows', 'create', 'hello.yaml');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('✔ created workflow hello');
    expect(existsSync(join(dir, 'workflows', 'hello.workflow.yaml'))).toBe(true);

    const list = await cli(dir, 'workflows', 'list');
    expect(list.stdout).toMatch(/^ID +NAME +VERSION +STATUS\nhello +Hello +2 +valid\n$/);

    const json = await cli(dir, 'workflows', 'list', '--json');
    expect(JSON.parse(json.stdout)).toEqual({
      workflows: [
        {
          id: 'hello',
          name: 'Hello',
          version: 2,
          file: join(dir, 'workflows', 'hello.workflow.yaml'),
          valid: true,
        },
      ],
    });

    const show = await cli(dir, 'workflows', 'show', 'hello');
    expect(show.stdout).toMatch(/^Workflow +hello$/m);
    expect(show.stdout).toMatch(/^Status +valid$/m);
    expect(show.stdout).toContain('      message: hello');

    const showJson = JSON.parse(
      (await cli(dir, 'workflows', 'show', 'hello', '--json')).stdout,
    ) as {
      valid: boolean;
      source: string;
      document: { id: string };
    };
    expect(showJson).toMatchObject({ valid: true, source: HELLO, document: { id: 'hello' } });

    const deleted = await cli(dir, 'workflows', 'delete', 'hello');
    expect(deleted.code).toBe(0);
    expect(existsSync(join(dir, 'workflows', 'hello.workflow.yaml'))).toBe(false);
    expect((await cli(dir, 'workflows', 'list')).stdout).toBe('no workflows registered\n');
  });

  it('refuses an existing id', async () => {
    await cli(dir, 'workflows', 'create', 'hello.yaml');
    const again = await cli(dir, 'workflows', 'create', 'hello.yaml');
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('waymark: error: workflow "hello" already exists\n');
  });

  it('refuses an invalid document and lists its diagnostics', async () => {
    const result = await cli(dir, 'workflows', 'create', 'bad.yaml');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^bad\.yaml:4:11: unknown executor "lgo"; did you mean "log"\? \(hint: [^\n]+\)\n✘ bad\.yaml: 1 error; not registered\n$/,
    );
    expect(existsSync(join(dir, 'workflows', 'bad.workflow.yaml'))).toBe(false);
  });

  it('prints diagnostics in the same form as validate and run', async () => {
    const diagnosticLines = (text: string): string[] =>
      text.split('\n').filter((line) => line.startsWith('bad.yaml:'));
    const validate = await cli(dir, 'validate', 'bad.yaml');
    const run = await cli(dir, 'run', 'bad.yaml');
    const create = await cli(dir, 'workflows', 'create', 'bad.yaml');
    expect(diagnosticLines(validate.stdout)).toHaveLength(1);
    expect(diagnosticLines(run.stderr)).toEqual(diagnosticLines(validate.stdout));
    expect(diagnosticLines(create.stderr)).toEqual(diagnosticLines(validate.stdout));
    expect(validate.stdout).toContain('\n✘ bad.yaml: 1 error\n');
    expect(run.stderr).toContain('\n✘ bad.yaml: 1 error; nothing was run\n');
  });

  it('updates a registered workflow and uses --dir', async () => {
    await cli(dir, 'workflows', 'create', 'hello.yaml', '--dir', 'defs');
    writeFileSync(join(dir, 'hello.yaml'), HELLO.replace('version: 2', 'version: 3'));
    const updated = await cli(dir, 'workflows', 'update', 'hello.yaml', '--dir', 'defs');
    expect(updated.code).toBe(0);
    const list = await cli(dir, 'workflows', 'list', '--dir', 'defs');
    expect(list.stdout).toMatch(/^hello +Hello +3 +valid$/m);
  });

  it('checks nested runs against the workflows directory, where `waymark run <id>` finds them', async () => {
    writeFileSync(
      join(dir, 'caller.yaml'),
      'id: caller\nsteps:\n  - id: call\n    run:\n      workflow: ./hello.workflow.yaml\n',
    );
    // hello.yaml sits next to caller.yaml, but a registered caller looks in ./workflows.
    const refused = await cli(dir, 'workflows', 'create', 'caller.yaml');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'caller.yaml:5:17: workflow "./hello.workflow.yaml" not found',
    );
    expect(refused.stderr).toContain('✘ caller.yaml: 1 error; not registered');

    expect((await cli(dir, 'workflows', 'create', 'hello.yaml')).code).toBe(0);
    const created = await cli(dir, 'workflows', 'create', 'caller.yaml');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const run = await cli(dir, 'run', 'caller', '--db', 'test.db', '--json');
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'completed' });

    // Deleting the child leaves the caller invalid, and `list` says so.
    await cli(dir, 'workflows', 'delete', 'hello');
    expect((await cli(dir, 'workflows', 'list')).stdout).toMatch(/^caller +invalid$/m);
  });

  it('fails for an unknown id and for an id that is not URL-safe', async () => {
    const show = await cli(dir, 'workflows', 'show', 'nope');
    expect(show.code).toBe(1);
    expect(show.stderr).toBe('waymark: error: workflow "nope" not found\n');
    const traversal = await cli(dir, 'workflows', 'delete', '../hello');
    expect(traversal.code).toBe(1);
    expect(traversal.stderr).toContain('invalid workflow id "../hello"');
  });
});
