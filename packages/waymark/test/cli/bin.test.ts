import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, makeScratchDir } from './cli-harness.ts';

let scratch: ReturnType<typeof makeScratchDir>;
beforeAll(() => {
  scratch = makeScratchDir();
});
afterAll(() => scratch.cleanup());

describe('bin/waymark.mjs', () => {
  it('runs examples/hello.workflow.ts as a real process: TypeScript without a build step, exit 0', () => {
    const db = join(scratch.dir, 'bin.db');
    const result = spawnSync(
      process.execPath,
      [
        'packages/waymark/bin/waymark.mjs',
        'run',
        'examples/hello.workflow.ts',
        '--input',
        'name=test',
        '--db',
        db,
      ],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, WAYMARK_DEBUG: '1' },
        timeout: 20_000,
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Run [0-9a-f-]{36} of hello \(db .*bin\.db\)\n/);
    expect(result.stdout).toContain(
      '✖ flaky-lookup  attempt 1/3 failed: the lookup service is warming up — retrying in 200ms',
    );
    expect(result.stdout).toMatch(/⏸ pause {2}sleeping until .*Z \(1s\)/);
    expect(result.stdout).toContain('"greeting": "Hello, test!"');
    expect(result.stdout).toContain('"luckyNumber": 28');
  });

  it('runs a YAML module step written in TypeScript as a real process, without a build step', () => {
    mkdirSync(join(scratch.dir, 'executors'), { recursive: true });
    writeFileSync(
      join(scratch.dir, 'executors', 'double.ts'),
      'export default function run(ctx: { inputs: { n: number } }): { output: number } {\n  return { output: ctx.inputs.n * 2 };\n}\n',
    );
    writeFileSync(
      join(scratch.dir, 'double.workflow.yaml'),
      'id: double\nsteps:\n  - { id: twice, uses: module, with: { module: double, inputs: { n: 21 } } }\noutput: ${ steps.twice.output }\n',
    );
    const result = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'packages/waymark/bin/waymark.mjs'),
        'run',
        'double.workflow.yaml',
        '--json',
      ],
      {
        cwd: scratch.dir,
        encoding: 'utf8',
        env: { ...process.env, WAYMARK_DEBUG: '1' },
        timeout: 20_000,
      },
    );
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'completed', output: 42 });
  });
});
