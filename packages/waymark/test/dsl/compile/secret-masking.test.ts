import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isTerminalStatus } from '../../../src/core/run.ts';
import { openSqliteStore, type SqliteStore } from '../../../src/storage/sqlite/index.ts';
import { createTestEngine, type TestEngine } from '../../../src/testing/test-engine.ts';
import { databaseText } from '../../storage/database-text.ts';
import { compileYaml, lines, newCalls, testExecutors } from './helpers.ts';

const TOKEN = 'sk_live_9f8e7d6c5b4a';

/** Every way a YAML step can leak a secret: log, shell stdout/stderr, set, retries, fail. */
const LEAKY = lines(
  'id: leaky',
  'secrets: [TOKEN]',
  'inputs:',
  '  fail: { type: boolean, default: false }',
  'steps:',
  '  - id: say',
  '    uses: log',
  '    with:',
  '      message: token=${ secrets.TOKEN }',
  '  - id: echo',
  '    uses: shell',
  '    with:',
  '      script: echo "stdout $TOKEN"; echo "stderr $TOKEN" >&2',
  "      env: { TOKEN: '${ secrets.TOKEN }' }",
  '  - id: listed',
  '    uses: shell',
  '    with:',
  `      script: printf 'a %s\\nb\\n' "$TOKEN"`,
  "      env: { TOKEN: '${ secrets.TOKEN }' }",
  '      output: lines',
  '  - id: keep',
  '    uses: set',
  '    with:',
  '      copy: ${ secrets.TOKEN }',
  '  - id: flaky',
  '    uses: shell',
  '    retry: { max_attempts: 2, backoff: { initial: 1s } }',
  '    on_failure: continue',
  '    with:',
  '      script: echo "cannot log in with $TOKEN" >&2; exit 3',
  "      env: { TOKEN: '${ secrets.TOKEN }' }",
  '  - id: seen',
  '    uses: log',
  '    with:',
  '      message: said ${ steps.say.output.message }, kept ${ vars.copy }',
  '  - id: boom',
  '    if: ${ inputs.fail }',
  '    uses: fail',
  '    with:',
  '      message: giving up, token ${ secrets.TOKEN }',
  'output:',
  '  token: ${ secrets.TOKEN }',
  '  echoed: ${ steps.echo.output }',
  '  listed: ${ steps.listed.output }',
  '  seen: ${ steps.seen.output.message }',
  '  flaky: ${ steps.flaky.error.message }',
);

let t: TestEngine | undefined;
let store: SqliteStore | undefined;
let dir: string | undefined;
afterEach(async () => {
  await t?.close();
  await store?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  t = store = dir = undefined;
});

/** Advances the clock past sleeps and retry delays; waits in real time for shell steps. */
async function runToEnd(engine: TestEngine, runId: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const run = await engine.engine.getRun(runId);
    if (run !== null && isTerminalStatus(run.status)) return;
    if (run?.status === 'sleeping') await engine.clock.advance('1s');
    else await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`run ${runId} did not end`);
}

describe('secrets in YAML workflows', () => {
  it('are masked in every step output, error, event and run result, and stored nowhere', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'waymark-secrets-'));
    const dbPath = path.join(dir, 'secrets.db');
    store = await openSqliteStore({ path: dbPath });
    const wf = compileYaml(LEAKY, { executors: testExecutors(newCalls()) });
    t = await createTestEngine({ workflows: [wf], store, secrets: { TOKEN } });
    const announced: string[] = [];
    t.engine.on((event) => announced.push(JSON.stringify(event)));

    const ok = await t.engine.start(wf, {});
    await runToEnd(t, ok.id);
    // The shell saw the real value (it printed it); everything recorded shows ***. A later
    // step reading an output or a var that held the secret sees *** too.
    expect(await ok.result()).toEqual({
      token: '***',
      echoed: 'stdout ***',
      listed: ['a ***', 'b'],
      seen: 'said token=***, kept ***',
      flaky: 'script exited with code 3: cannot log in with ***',
    });

    const failed = await t.engine.start(wf, { fail: true });
    await runToEnd(t, failed.id);
    await expect(failed.result()).rejects.toThrow('giving up, token ***');

    const history = await t.engine.history(ok.id);
    expect(history.map((e) => `${e.type}${e.stepKey === null ? '' : `:${e.stepKey}`}`)).toContain(
      'step.retrying:flaky',
    );
    expect(announced.length).toBeGreaterThan(20);
    expect(announced.join('\n')).not.toContain(TOKEN);
    expect(announced.join('\n')).toContain('cannot log in with ***');

    await t.close();
    await store.close();
    t = store = undefined;
    const { rows, rowCount, raw } = databaseText(dbPath);
    expect(rowCount).toBeGreaterThan(30);
    expect(rows).toContain('giving up, token ***');
    expect(rows).toContain('"stderrTail":"cannot log in with ***"');
    expect(rows).not.toContain(TOKEN);
    expect(raw).not.toContain(TOKEN);
  });

  it('a secret read again on resume is masked, and the value itself is never recorded', async () => {
    const wf = compileYaml(
      lines(
        'id: resumable',
        'secrets: [TOKEN]',
        'steps:',
        '  - id: before',
        '    uses: log',
        '    with: { message: "before ${ secrets.TOKEN }" }',
        '  - id: nap',
        '    wait: { duration: 1m }',
        '  - id: after',
        '    uses: log',
        '    with: { message: "after ${ secrets.TOKEN }" }',
        'output: ${ [steps.before.output.message, steps.after.output.message] }',
      ),
      { executors: testExecutors(newCalls()) },
    );
    t = await createTestEngine({ workflows: [wf], secrets: { TOKEN } });
    const run = await t.engine.start(wf, {});
    await t.waitForStatus(run.id, 'sleeping');
    await t.engine.stop();
    // Another engine on the same store, as after a restart, with a rotated value.
    const first = t;
    t = await createTestEngine({
      workflows: [wf],
      store: first.store,
      clock: first.clock,
      secrets: { TOKEN: 'rotated-value-42' },
    });
    await t.clock.advance('1m');
    await t.waitForStatus(run.id, 'completed');
    expect(await run.result()).toEqual(['before ***', 'after ***']);
    const recorded = JSON.stringify([
      await t.engine.steps(run.id),
      await t.engine.history(run.id),
      await t.engine.getRun(run.id),
    ]);
    expect(recorded).not.toContain(TOKEN);
    expect(recorded).not.toContain('rotated-value-42');
    await t.close();
    await first.close();
    t = undefined;
  });

  it('inputs are validated once, at the start: a masked enum input still runs, and resumes', async () => {
    // The input equals a secret, so the run records it as ***, which is no value of the enum.
    const wf = compileYaml(
      lines(
        'id: masked-input',
        'secrets: [TARGET]',
        'inputs:',
        '  target: { type: enum, values: [production-eu, staging-eu] }',
        'steps:',
        '  - id: nap',
        '    wait: { duration: 1m }',
        'output: ${ inputs.target }',
      ),
      { executors: testExecutors(newCalls()) },
    );
    t = await createTestEngine({ workflows: [wf], secrets: { TARGET: 'production-eu' } });
    await expect(t.engine.start(wf, { target: 'prod' })).rejects.toThrow(
      'invalid input for workflow "masked-input"',
    );
    const run = await t.engine.start(wf, { target: 'production-eu' });
    await t.waitForStatus(run.id, 'sleeping');
    expect((await t.engine.getRun(run.id))?.input).toEqual({ target: '***' });
    await t.clock.advance('1m');
    await t.waitForStatus(run.id, 'completed');
    expect(await run.result()).toBe('***');
  });
});
