/**
 * The http executor in YAML workflows on a test engine: a 429's Retry-After sets the durable
 * retry's delay (attempts: the executor's default of 3), a step timeout stops the request,
 * and a blocked target fails the step without retries.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { builtinExecutors, createExecutorRegistry } from '../../src/executors/index.ts';
import { createTestEngine, type TestEngine } from '../../src/testing/test-engine.ts';
import { compileYaml, lines } from '../dsl/compile/helpers.ts';
import { scratchDir } from './fake-step.ts';
import { json, startServer, type TestServer } from './http-server.ts';

let t: TestEngine | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  await server?.close();
  t = server = undefined;
});

const registry = (allow: string[]) => createExecutorRegistry(builtinExecutors({ http: { allow } }));

describe('http steps in a workflow', () => {
  it('retries a 429 durably, no sooner than its Retry-After', async () => {
    let calls = 0;
    server = await startServer((_req, res) => {
      calls++;
      if (calls < 3) json(res, 429, { slow: 'down' }, { 'retry-after': '30' });
      else json(res, 200, { ok: true });
    });
    const wf = compileYaml(
      lines(
        'id: rate-limited',
        'inputs: { url: { type: string } }',
        'steps:',
        '  - id: call',
        '    uses: http',
        '    with: { url: "${ inputs.url }" }',
        'output: ${ steps.call.output.body }',
      ),
      { executors: registry(['127.0.0.1']), artifactsRoot: scratchDir() },
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, { url: server.url('/api') });
    await t.waitForStatus(run.id, 'sleeping');
    const retrying = (await t.engine.history(run.id)).filter((e) => e.type === 'step.retrying');
    expect(retrying.map((e) => [e.data['delayMs'], e.data['message']])).toEqual([
      [30_000, 'attempt 2 of 3 in 30s'],
    ]);
    await t.clock.advance('29s');
    expect(calls).toBe(1);
    await t.clock.advance('1s');
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('30s');
    expect(await run.result()).toEqual({ ok: true });
    expect(calls).toBe(3);
  });

  it('a step timeout aborts the request and fails STEP_TIMEOUT', async () => {
    server = await startServer(() => {}); // never answers
    const wf = compileYaml(
      lines(
        'id: slow',
        'inputs: { url: { type: string } }',
        'steps:',
        '  - id: call',
        '    uses: http',
        '    timeout: 10s',
        '    retry: { max_attempts: 1 }',
        '    with: { url: "${ inputs.url }" }',
      ),
      { executors: registry(['127.0.0.1']), artifactsRoot: scratchDir() },
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, { url: server.url('/') });
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    await t.clock.advance('10s');
    await t.waitForStatus(run.id, 'failed');
    expect((await t.engine.getRun(run.id))?.error).toMatchObject({ code: 'STEP_TIMEOUT' });
  });

  it('a blocked target fails the step at once, without retries', async () => {
    const wf = compileYaml(
      lines(
        'id: ssrf',
        'steps:',
        '  - id: call',
        '    uses: http',
        '    with: { url: "http://169.254.169.254/" }',
      ),
      { executors: registry([]), artifactsRoot: scratchDir() },
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, {});
    await t.waitForStatus(run.id, 'failed');
    expect((await t.engine.getRun(run.id))?.error).toMatchObject({
      code: 'HTTP_BLOCKED',
      attempt: 1,
    });
  });
});
