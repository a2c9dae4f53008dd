import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, cli, makeScratchDir, runIdOf } from './cli-harness.ts';

let scratch: ReturnType<typeof makeScratchDir>;
beforeAll(() => {
  scratch = makeScratchDir();
});
afterAll(() => scratch.cleanup());

/** `node` arguments that run the `waymark` executable (from the repository root). */
const binArgs = (...args: string[]): string[] => ['packages/waymark/bin/waymark.mjs', ...args];

describe('bin/waymark.mjs', () => {
  it('runs examples/hello.workflow.ts as a real process: TypeScript without a build step, exit 0', () => {
    const db = join(scratch.dir, 'bin.db');
    const result = spawnSync(
      process.execPath,
      binArgs('run', 'examples/hello.workflow.ts', '--input', 'name=test', '--db', db),
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

  it('stdout closed by its reader (`| head -1`) is an interrupt: exit 130, no stack, the run resumable and nothing lost', async () => {
    const db = join(scratch.dir, 'epipe.db');
    const ledger = join(scratch.dir, 'ledger.txt');
    const child = spawn(
      process.execPath,
      binArgs('run', 'examples/crash-demo.workflow.ts', '--input', `ledger=${ledger}`, '--db', db),
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    // Read the first line, then go away like `head -1`: the next step line meets EPIPE.
    const firstLine = await new Promise<string>((resolve) => {
      child.stdout.setEncoding('utf8').once('data', (text: string) => {
        child.stdout.destroy();
        resolve(text.split('\n')[0] ?? '');
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const runId = runIdOf(firstLine);

    expect(code).toBe(130);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stderr).toContain(
      `waymark: run ${runId} is pending. Continue it with:\n  npx waymark run examples/crash-demo.workflow.ts --resume ${runId} --db ${db}\n`,
    );
    // Handed back, not failed; the steps it finished are recorded.
    const status = await cli(REPO_ROOT, 'status', runId, '--db', db, '--json');
    const { run, steps } = JSON.parse(status.stdout) as {
      run: { status: string };
      steps: Array<{ status: string }>;
    };
    expect(run.status).toBe('pending');
    const finished = steps.filter((s) => s.status === 'completed').length;
    expect(finished).toBeGreaterThan(0);

    const resumed = await cli(
      REPO_ROOT,
      'run',
      'examples/crash-demo.workflow.ts',
      '--resume',
      runId,
      '--db',
      db,
      '--json',
    );
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      status: 'completed',
      output: { steps: 20 },
    });
    // Every step ran exactly once: none recorded before the interrupt ran again.
    const lines = readFileSync(ledger, 'utf8').trimEnd().split('\n');
    expect(lines.map((line) => line.split(' ')[1])).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i + 1)),
    );
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

  it('a workflow in a CommonJS package gets the same error classes: NonRetryableError, retryAfter and child failures keep their meaning', () => {
    // No "type": "module": Node loads .ts files here as CommonJS, with a copy of `waymark`
    // of their own beside the CLI's ESM one.
    const dir = join(scratch.dir, 'cjs-project');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "name": "cjs-project" }\n');
    writeFileSync(
      join(dir, 'errors.workflow.ts'),
      `import { ChildWorkflowError, defineWorkflow, NonRetryableError, RetryableError } from 'waymark';

export const child = defineWorkflow({ name: 'cjs-child' }, async (ctx) => {
  await ctx.step('stop', { retry: { maxAttempts: 4, initialInterval: '10ms' } }, () => {
    throw new NonRetryableError('stop now');
  });
});

let calls = 0;
export default defineWorkflow({ name: 'cjs-parent' }, async (ctx) => {
  await ctx.step('busy', { retry: { maxAttempts: 2, initialInterval: '10ms' } }, () => {
    if (++calls === 1) throw new RetryableError('rate limited', { retryAfterMs: 1500 });
    return 'ok';
  });
  try {
    await ctx.run(child, null);
    return 'child did not fail';
  } catch (error) {
    return { typed: error instanceof ChildWorkflowError };
  }
});
`,
    );
    const result = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'packages/waymark/bin/waymark.mjs'), 'run', 'errors.workflow.ts'],
      { cwd: dir, encoding: 'utf8', timeout: 30_000 },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('✖ busy  attempt 1/2 failed: rate limited — retrying in 1.5s');
    // Not retried: one attempt of four.
    expect(result.stdout).toMatch(/✖ stop {2}attempt 1\/4 failed: NON_RETRYABLE: stop now\n/);
    expect(result.stdout).not.toContain('attempt 2/4');
    expect(result.stdout).toContain('"typed": true');
  });
});
