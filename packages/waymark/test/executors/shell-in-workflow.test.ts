/**
 * The shell executor in YAML workflows on a test engine: a step timeout and a run cancel kill
 * the step's whole process group, and the files a step writes to its artifacts directory are
 * `steps.<id>.artifacts` for later steps.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinExecutors, createExecutorRegistry } from '../../src/executors/index.ts';
import { createTestEngine, type TestEngine } from '../../src/testing/test-engine.ts';
import { compileYaml, lines } from '../dsl/compile/helpers.ts';
import { scratchDir } from './fake-step.ts';
import { isAlive } from './process-alive.ts';
import { waitFor } from '../until.ts';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const executors = createExecutorRegistry(
  builtinExecutors({
    shell: { baseEnv: { PATH: '/usr/local/bin:/usr/bin:/bin' }, killGraceMs: 200 },
  }),
);

/** A workflow whose shell step starts `sleep` in the background and writes its pid. */
function hangingWorkflow(pidFile: string, timeout: string): string {
  return lines(
    'id: hang',
    'steps:',
    '  - id: hang',
    '    uses: shell',
    `    timeout: ${timeout}`,
    '    with:',
    `      env: { PID_FILE: "${pidFile}" }`,
    '      script: |',
    '        sleep 600 &',
    '        echo $! > "$PID_FILE"',
    '        wait',
  );
}

async function startedSleep(pidFile: string): Promise<number> {
  await waitFor(
    'the script to start',
    () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '',
  );
  return Number(readFileSync(pidFile, 'utf8').trim());
}

describe('shell steps in a workflow', () => {
  it('a step timeout kills the process group and fails the step STEP_TIMEOUT', async () => {
    const pidFile = path.join(scratchDir(), 'pid');
    const wf = compileYaml(hangingWorkflow(pidFile, '30s'), {
      executors,
      artifactsRoot: scratchDir(),
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, {});
    const sleep = await startedSleep(pidFile);
    await t.clock.advance('31s');
    await t.waitForStatus(run.id, 'failed');
    expect((await t.engine.getRun(run.id))?.error).toMatchObject({ code: 'STEP_TIMEOUT' });
    await waitFor('the sleep to be killed', () => !isAlive(sleep));
    // The executor's end is recorded in the abort, with the attempt's failure.
    const types = (await t.engine.history(run.id)).map((e) => e.type);
    expect(types.slice(types.indexOf('executor.started'))).toEqual([
      'executor.started',
      'executor.finished',
      'step.failed',
      'run.failed',
    ]);
    const finished = (await t.engine.history(run.id)).find((e) => e.type === 'executor.finished');
    expect(finished?.data).toMatchObject({ status: 'error', error: { code: 'STEP_TIMEOUT' } });
    expect(finished?.durationMs).toBe(30_000);
  });

  it('cancelling the run kills the process group', async () => {
    const pidFile = path.join(scratchDir(), 'pid');
    const wf = compileYaml(hangingWorkflow(pidFile, '1h'), {
      executors,
      artifactsRoot: scratchDir(),
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, {});
    const sleep = await startedSleep(pidFile);
    await run.cancel();
    await t.waitForStatus(run.id, 'cancelled');
    await waitFor('the sleep to be killed', () => !isAlive(sleep));
  });

  it('records the files a step writes to its artifacts directory as steps.<id>.artifacts', async () => {
    const root = scratchDir();
    const wf = compileYaml(
      lines(
        'id: artifacts',
        'steps:',
        '  - id: build',
        '    uses: shell',
        '    with:',
        '      script: |',
        '        mkdir -p "$WAYMARK_ARTIFACTS_DIR/dist"',
        '        echo app > "$WAYMARK_ARTIFACTS_DIR/dist/app.js"',
        '        echo log > "$WAYMARK_ARTIFACTS_DIR/build.log"',
        '  - id: count',
        '    uses: shell',
        '    with: { command: [wc, -l, "${ steps.build.artifacts[1] }"], output: text }',
        'output:',
        '  files: ${ steps.build.artifacts }',
        '  n: ${ size(steps.build.artifacts) }',
        '  none: ${ steps.count.artifacts }',
      ),
      { executors, artifactsRoot: root },
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, {});
    const dir = path.join(root, run.id, 'build');
    const files = [path.join(dir, 'build.log'), path.join(dir, 'dist', 'app.js')];
    expect(await run.result()).toEqual({ files, n: 2, none: [] });
    const [build] = await t.engine.steps(run.id);
    expect(build?.output).toEqual({ output: '', artifacts: files });
  });
});
