/**
 * `waymark worker` in-process (SQLite): it executes due runs of the YAML and code workflows it
 * was given until interrupted, then stops and exits 0; and it refuses bad input clearly.
 * (Real processes on PostgreSQL, with SIGTERM: test/crash/worker-command.test.ts.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/core/ids.ts';
import { openSqliteStore } from '../../src/storage/sqlite/index.ts';
import { CliHarness, cli, makeScratchDir } from './cli-harness.ts';
import { until } from '../until.ts';

const YAML = `id: hello-yaml
steps:
  - id: greet
    uses: set
    with:
      value: hello from yaml
`;

const MODULE = `
import { defineWorkflow } from 'waymark';
export const code = defineWorkflow({ name: 'hello-code' }, async (ctx) => ctx.step('s', () => 'hello from code'));
`;

let scratch: ReturnType<typeof makeScratchDir>;
beforeEach(() => {
  scratch = makeScratchDir();
  mkdirSync(join(scratch.dir, 'workflows'));
});
afterEach(() => scratch.cleanup());

describe('waymark worker', () => {
  it('executes due runs of the directory’s YAML and code workflows until interrupted', async () => {
    writeFileSync(join(scratch.dir, 'workflows', 'hello.workflow.yaml'), YAML);
    writeFileSync(join(scratch.dir, 'workflows', 'code.workflow.ts'), MODULE);
    const harness = new CliHarness(scratch.dir);
    const working = harness.run('worker', '--db', 'test.db', '--poll', '20ms', '--id', 'w1');
    await until(() => harness.stdout.includes('Worker w1 on'));
    expect(harness.stdout).toContain('hello-yaml');
    expect(harness.stdout).toContain('hello-code');

    const store = await openSqliteStore({ path: scratch.db });
    try {
      const ids = await Promise.all(
        ['hello-yaml', 'hello-code'].map(async (workflowName) => {
          const now = Date.now();
          const { run } = await store.createRun({
            id: uuidv7(now),
            workflowName,
            workflowVersion: null,
            input: null,
            now,
            events: [],
          });
          return run.id;
        }),
      );
      await until(async () => {
        const runs = await Promise.all(ids.map((runId) => store.getRun({ runId })));
        return runs.every((run) => run?.status === 'completed');
      });
      expect((await store.getRun({ runId: ids[1] as string }))?.output).toBe('hello from code');
      harness.interrupt('SIGTERM');
      const result = await working;
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(new RegExp(`✔ hello-yaml ${ids[0]} completed`));
      expect(result.stdout).toMatch(new RegExp(`✔ hello-code ${ids[1]} completed`));
      expect(result.stdout).toContain('Worker w1 stopped');
    } finally {
      await store.close();
    }
  });

  it('refuses an invalid YAML file (file:line:column), a name defined twice, and an empty directory', async () => {
    writeFileSync(
      join(scratch.dir, 'bad.workflow.yaml'),
      'id: bad\nsteps:\n  - id: x\n    uses: lgo\n',
    );
    const bad = await cli(scratch.dir, 'worker', 'bad.workflow.yaml', '--db', 'test.db');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /bad\.workflow\.yaml does not validate:\n {2}.*bad\.workflow\.yaml:4:11/,
    );

    writeFileSync(join(scratch.dir, 'a.workflow.yaml'), YAML);
    writeFileSync(join(scratch.dir, 'b.workflow.yaml'), YAML);
    const twice = await cli(
      scratch.dir,
      'worker',
      'a.workflow.yaml',
      'b.workflow.yaml',
      '--db',
      'test.db',
    );
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('workflow "hello-yaml" is defined twice');

    const empty = await cli(scratch.dir, 'worker', '--db', 'test.db');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no workflows found in workflows');

    const concurrency = await cli(scratch.dir, 'worker', 'a.workflow.yaml', '--concurrency', '0');
    expect(concurrency.code).toBe(2);
    expect(concurrency.stderr).toContain('--concurrency must be a whole number >= 1');
  });
});
