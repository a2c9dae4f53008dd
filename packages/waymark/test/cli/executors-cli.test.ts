/**
 * Executors under `waymark run` and `waymark validate`: argument errors at file:line:column
 * before anything runs, the JSONL log per run, `--summary`, artifacts under .waymark, the
 * configuration file (http's allow list, module config), module steps next to the workflow.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { json, startServer, type TestServer } from '../executors/http-server.ts';
import { CliHarness, makeScratchDir, runIdOf, writeFixture } from './cli-harness.ts';

let scratch: ReturnType<typeof makeScratchDir>;
let harness: CliHarness;
let server: TestServer | undefined;
beforeAll(() => {
  scratch = makeScratchDir();
  harness = new CliHarness(scratch.dir, { PATH: process.env['PATH'] });
});
afterAll(() => scratch.cleanup());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const run = (...argv: string[]) => harness.run(...argv, '--db', 'test.db');

describe('executors in the CLI', () => {
  it('validate and run report executor argument errors at file:line:column', async () => {
    writeFixture(
      scratch.dir,
      'badargs.workflow.yaml',
      [
        'id: badargs',
        'steps:',
        '  - id: get',
        '    uses: http',
        '    with: { url: "ftp://example.com/x", method: BREW, retries: 3 }',
        '  - id: sh',
        '    uses: shell',
        '    with: { command: [ls], output: xml, stdin: "${ run.id }" }',
        '',
      ].join('\n'),
    );
    const validated = await harness.run('validate', 'badargs.workflow.yaml');
    expect(validated.code).toBe(1);
    expect(validated.stdout).toContain(
      'badargs.workflow.yaml:5:18: expected an absolute http:// or https:// URL',
    );
    expect(validated.stdout).toContain(
      'badargs.workflow.yaml:5:49: Invalid option: expected one of "GET"',
    );
    expect(validated.stdout).toContain(
      'badargs.workflow.yaml:5:55: unknown argument "retries" of http',
    );
    expect(validated.stdout).toContain(
      'badargs.workflow.yaml:8:36: Invalid option: expected one of "text"|"json"|"lines"',
    );
    // A value with ${ } is checked when the step runs, not here.
    expect(validated.stdout).not.toContain('stdin');
    expect(validated.stdout).toContain('✘ badargs.workflow.yaml: 4 errors');

    const ran = await run('run', 'badargs.workflow.yaml');
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('badargs.workflow.yaml:5:18: expected an absolute http');
    expect(ran.stderr).toContain('4 errors; nothing was run');
  });

  it('writes a JSONL log per run and artifacts under .waymark, and --summary prints the steps', async () => {
    writeFixture(
      scratch.dir,
      'build.workflow.yaml',
      [
        'id: build',
        'steps:',
        '  - id: compile',
        '    uses: shell',
        '    with:',
        '      script: |',
        '        echo compiling',
        '        echo "binary" > "$WAYMARK_ARTIFACTS_DIR/app.bin"',
        '  - id: report',
        '    uses: log',
        '    with: { message: "built ${ steps.compile.artifacts[0] }" }',
        'output: ${ steps.report.output.message }',
        '',
      ].join('\n'),
    );
    const result = await run('run', 'build.workflow.yaml', '--summary');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const runId = runIdOf(result.stdout);
    const artifact = join(scratch.dir, '.waymark', 'artifacts', runId, 'compile', 'app.bin');
    expect(readFileSync(artifact, 'utf8')).toBe('binary\n');
    expect(result.stdout).toContain(`"built ${artifact}"`);
    expect(result.stdout).toContain('│ compile  compiling');
    expect(result.stdout).toMatch(
      /\nSteps\n {2}KEY +KIND +STATUS +ATTEMPTS +DURATION\n {2}compile +run +completed +1 +\S+\n {2}report +run +completed +1 +\S+\n$/,
    );

    const log = readFileSync(join(scratch.dir, '.waymark', 'logs', `${runId}.jsonl`), 'utf8');
    const events = log
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(
      events.map(
        (e) => `${String(e['type'])}${e['step'] === undefined ? '' : ` ${String(e['step'])}`}`,
      ),
    ).toEqual([
      'run.created',
      'run.started',
      'step.started compile',
      'executor.started compile',
      'step.log compile',
      'executor.finished compile',
      'step.succeeded compile',
      'step.started report',
      'executor.started report',
      'step.log report',
      'executor.finished report',
      'step.succeeded report',
      'run.completed',
    ]);
    const finished = events.find((e) => e['type'] === 'executor.finished');
    expect(finished).toMatchObject({
      run: runId,
      workflow: 'build',
      step: 'compile',
      attempt: 1,
      data: { executor: 'shell', status: 'ok', output: '"compiling"', artifacts: 1 },
    });
    expect(typeof finished?.['durationMs']).toBe('number');
    expect(events[0]?.['time']).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('--summary --json puts the steps in the final object; --resume of an ended run too', async () => {
    writeFixture(
      scratch.dir,
      'twice.workflow.yaml',
      [
        'id: twice',
        'steps:',
        '  - id: flaky',
        '    uses: shell',
        '    retry: { max_attempts: 2, backoff: { initial: 10ms } }',
        '    with:',
        '      script: test -e flaked || { touch flaked; exit 3; }',
        '  - id: done',
        '    uses: log',
        '    with: { message: done }',
        '',
      ].join('\n'),
    );
    const result = await run('run', 'twice.workflow.yaml', '--summary', '--json');
    expect(result.stderr).toBe('');
    const summary = JSON.parse(result.stdout) as { runId: string; steps: unknown[] };
    expect(summary).toEqual({
      runId: expect.any(String),
      status: 'completed',
      output: null,
      steps: [
        {
          key: 'flaky',
          kind: 'run',
          status: 'completed',
          attempts: 2,
          durationMs: expect.any(Number),
        },
        {
          key: 'done',
          kind: 'run',
          status: 'completed',
          attempts: 1,
          durationMs: expect.any(Number),
        },
      ],
    });
    const again = await run('run', 'twice.workflow.yaml', '--resume', summary.runId, '--summary');
    expect(again.stdout).toMatch(
      /\nSteps\n {2}KEY .*\n {2}flaky +run +completed +2 +\S+\n {2}done +run +completed +1 /,
    );
  });

  it('reaches a private http target only when waymark.config.json allows it', async () => {
    server = await startServer((_req, res) => json(res, 200, { pong: true }));
    writeFixture(
      scratch.dir,
      'ping.workflow.yaml',
      [
        'id: ping',
        'inputs: { url: { type: string } }',
        'steps:',
        '  - id: ping',
        '    uses: http',
        '    with: { url: "${ inputs.url }" }',
        'output: ${ steps.ping.output.body }',
        '',
      ].join('\n'),
    );
    const blocked = await run('run', 'ping.workflow.yaml', '--input', `url=${server.url('/ping')}`);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout + blocked.stderr).toContain('HTTP_BLOCKED');
    expect(server.requests).toEqual([]);

    const configDir = join(scratch.dir, 'configured');
    mkdirSync(configDir, { recursive: true });
    writeFixture(
      configDir,
      'ping.workflow.yaml',
      readFileSync(join(scratch.dir, 'ping.workflow.yaml'), 'utf8'),
    );
    writeFixture(
      configDir,
      'waymark.config.json',
      JSON.stringify({ executors: { http: { allow: ['127.0.0.1'] } } }),
    );
    const allowed = await new CliHarness(configDir).run(
      'run',
      'ping.workflow.yaml',
      '--input',
      `url=${server.url('/ping')}`,
      '--json',
      '--db',
      'test.db',
    );
    expect(allowed.stderr).toBe('');
    expect(JSON.parse(allowed.stdout)).toMatchObject({
      status: 'completed',
      output: { pong: true },
    });
  });

  it('refuses an invalid configuration file, naming it and the field', async () => {
    const dir = join(scratch.dir, 'badconfig');
    mkdirSync(dir, { recursive: true });
    writeFixture(
      dir,
      'hi.workflow.yaml',
      'id: hi\nsteps:\n  - { id: hi, uses: log, with: { message: hi } }\n',
    );
    writeFixture(
      dir,
      'waymark.config.json',
      JSON.stringify({ executors: { http: { allow: ['10.0.0.0/99'] } } }),
    );
    const result = await new CliHarness(dir).run('run', 'hi.workflow.yaml', '--db', 'test.db');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(dir, 'waymark.config.json')} is invalid:`);
    expect(result.stderr).toContain('executors.http.allow.0: expected an address');
  });

  it('runs a module step found next to the workflow, with its configuration', async () => {
    const dir = join(scratch.dir, 'modules');
    mkdirSync(join(dir, 'executors'), { recursive: true });
    writeFixture(
      join(dir, 'executors'),
      'shout.ts',
      [
        "import type { ModuleContext } from 'waymark/executors';",
        'export default async function run(ctx: ModuleContext) {',
        '  const { text } = ctx.inputs as { text: string };',
        "  ctx.logger.info('shouting');",
        '  return { output: `${text.toUpperCase()} (${String(ctx.config.suffix)})` };',
        '}',
        '',
      ].join('\n'),
    );
    writeFixture(
      dir,
      'shout.workflow.yaml',
      'id: shout\nsteps:\n  - { id: shout, uses: module, with: { module: shout, inputs: { text: hey } } }\noutput: ${ steps.shout.output }\n',
    );
    writeFixture(
      dir,
      'waymark.config.json',
      JSON.stringify({ executors: { module: { config: { suffix: '!' } } } }),
    );
    // Run from another directory: the module is found next to the workflow file.
    const result = await new CliHarness(scratch.dir, {
      WAYMARK_CONFIG: join('modules', 'waymark.config.json'),
    }).run('run', join('modules', 'shout.workflow.yaml'), '--db', 'test.db');
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('│ shout  shouting');
    expect(result.stdout).toContain('"HEY (!)"');
    expect(existsSync(join(scratch.dir, '.waymark', 'logs'))).toBe(true);
  });

  it('a code workflow imports executors from waymark/executors and calls them in ctx.step', async () => {
    writeFixture(
      scratch.dir,
      'code.workflow.ts',
      [
        "import { defineWorkflow } from 'waymark';",
        "import { createShellExecutor, invokeExecutor } from 'waymark/executors';",
        '',
        'const shell = createShellExecutor();',
        '',
        "export default defineWorkflow({ name: 'code-shell' }, async (ctx) => {",
        "  const listed = await ctx.step('list', (step) =>",
        "    invokeExecutor(shell, { command: ['printf', 'a\\nb\\n'], output: 'lines' }, step),",
        '  );',
        '  return listed.output;',
        '});',
        '',
      ].join('\n'),
    );
    const result = await run('run', 'code.workflow.ts', '--json');
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'completed', output: ['a', 'b'] });
    const log = readFileSync(
      join(scratch.dir, '.waymark', 'logs', `${runIdOf(result.stdout)}.jsonl`),
      'utf8',
    );
    expect(log).toContain('"type":"executor.finished","step":"list"');
  });
});
