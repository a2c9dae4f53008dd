import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startServer, type TestServer } from '../executors/http-server.ts';
import { FAKE_AGENT_CLIS } from '../fixtures/agent-clis/fake-agents.ts';
import { databaseText } from '../storage/database-text.ts';
import {
  CliHarness,
  type CliResult,
  makeScratchDir,
  runIdOf,
  writeFixture,
} from './cli-harness.ts';

const TOKEN = 'ghp_CliSecret0123456789';

/**
 * The shell, log, set, fail and agent (the fake claude, which repeats the prompt and prints
 * TOKEN from its environment) steps leak TOKEN; http and module steps are added by leakyYaml.
 */
const LEAKY_YAML = `id: leaky
secrets: [TOKEN]
inputs:
  fail: { type: boolean, default: false }
steps:
  - id: say
    uses: log
    with:
      message: token=\${ secrets.TOKEN }
  - id: echo
    uses: shell
    with:
      script: echo "stdout $TOKEN"; echo "stderr $TOKEN" >&2
      env: { TOKEN: '\${ secrets.TOKEN }' }
  - id: inherited
    uses: shell
    with:
      script: echo "inherited $TOKEN"
  - id: flaky
    uses: shell
    retry: { max_attempts: 2, backoff: { initial: 50ms } }
    on_failure: continue
    with:
      script: echo "cannot log in with $TOKEN" >&2; exit 3
      env: { TOKEN: '\${ secrets.TOKEN }' }
  - id: agent
    uses: claude-code
    with: { prompt: 'Use the token \${ secrets.TOKEN }' }
  - id: boom
    if: \${ inputs.fail }
    uses: fail
    with:
      message: giving up, token \${ secrets.TOKEN }
output:
  token: \${ secrets.TOKEN }
  said: \${ steps.say.output.message }
  echoed: \${ steps.echo.output }
  inherited: \${ steps.inherited.output }
  called: \${ steps.call.output.body }
  moduled: \${ steps.mod.output }
  agent: \${ steps.agent.output.text }
`;

/** An http step sending TOKEN to a server that echoes it back, and a module that logs and returns it. */
function leakyYaml(url: string): string {
  const steps = `  - id: call
    uses: http
    with:
      url: ${url}
      headers: { authorization: 'Bearer \${ secrets.TOKEN }' }
      query: { key: '\${ secrets.TOKEN }' }
  - id: mod
    uses: module
    with: { module: leak, inputs: { token: '\${ secrets.TOKEN }' } }
`;
  return LEAKY_YAML.replace('  - id: boom\n', `${steps}  - id: boom\n`);
}

const LEAK_MODULE = `
export default async function run(ctx) {
  ctx.logger.info('module sees ' + ctx.secrets.TOKEN + ' and ' + ctx.inputs.token);
  return { output: 'module returns ' + ctx.inputs.token };
}
`;

const SECRET_MODULE = `
import { defineWorkflow } from 'waymark';

export default defineWorkflow({ name: 'module-secret', secrets: ['TOKEN'] }, async (ctx) => {
  const token = ctx.secret('TOKEN');
  return ctx.step('use', () => ({ header: 'Bearer ' + token, length: token?.length }));
});
`;

let scratch: ReturnType<typeof makeScratchDir>;
let harness: CliHarness;
const outputs: Array<{ command: string; result: CliResult }> = [];

async function waymark(...argv: string[]): Promise<CliResult> {
  const result = await harness.run(...argv, '--db', 'test.db');
  outputs.push({ command: argv.join(' '), result });
  return result;
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer((req, res) =>
    json(res, 200, { auth: req.headers.authorization, url: req.url }),
  );
  scratch = makeScratchDir();
  writeFixture(scratch.dir, 'leaky.workflow.yaml', leakyYaml(server.url('/echo')));
  mkdirSync(join(scratch.dir, 'executors'));
  writeFixture(join(scratch.dir, 'executors'), 'leak.mjs', LEAK_MODULE);
  writeFixture(
    scratch.dir,
    'waymark.config.json',
    JSON.stringify({ executors: { http: { allow: ['127.0.0.1'] } } }),
  );
  writeFixture(scratch.dir, 'secret.workflow.ts', SECRET_MODULE);
  harness = new CliHarness(scratch.dir, {
    TOKEN,
    PATH: `${FAKE_AGENT_CLIS}:${process.env['PATH'] ?? ''}`,
    FAKE_AGENT_PRINT_ENV: 'TOKEN',
  });
});
afterAll(async () => {
  scratch.cleanup();
  await server.close();
});

describe('secrets in the CLI', () => {
  let okRunId: string;
  let failedRunId: string;

  it('waymark run shows masked step lines, output and error', async () => {
    const ok = await waymark('run', 'leaky.workflow.yaml');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    okRunId = runIdOf(ok.stdout);
    expect(ok.stdout).toContain('cannot log in with *** — retrying in');
    expect(ok.stdout).toContain('"said": "token=***"');
    expect(ok.stdout).toContain('"echoed": "stdout ***"');
    // A shell starts from the CLI's environment: a declared secret it reads there is masked too.
    expect(ok.stdout).toContain('"inherited": "inherited ***"');
    expect(ok.stdout).toContain('"auth": "Bearer ***"');
    expect(ok.stdout).toContain('"url": "/echo?key=***"');
    expect(ok.stdout).toContain('"moduled": "module returns ***"');
    expect(ok.stdout).toContain('│ mod  module sees *** and ***');
    expect(ok.stdout).toContain('"agent": "Done: Use the token *** TOKEN=***"');
    expect(ok.stdout).toContain('│ agent  Done: Use the token *** TOKEN=***');
    // The server did receive the real value: only what waymark records is masked.
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);

    const failed = await waymark('run', 'leaky.workflow.yaml', '--input', 'fail=true');
    expect(failed.code).toBe(1);
    failedRunId = runIdOf(failed.stdout);
    expect(failed.stdout + failed.stderr).toContain('giving up, token ***');

    const json = await waymark('run', 'leaky.workflow.yaml', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'completed',
      output: { token: '***' },
    });
  });

  it('status, history and list show only masked values, as text and as JSON', async () => {
    for (const runId of [okRunId, failedRunId]) {
      for (const command of ['status', 'history']) {
        const text = await waymark(command, runId);
        expect(text.code).toBe(0);
        const json = await waymark(command, runId, '--json');
        expect(json.code).toBe(0);
        expect(json.stdout).toContain('***');
      }
    }
    const status = outputs.find((o) => o.command === `status ${failedRunId}`)?.result.stdout;
    expect(status).toContain('giving up, token ***');
    const list = await waymark('list', '--json');
    expect(list.stdout).toContain(okRunId);
  });

  it('a code workflow reads its declared secret from the environment and records it masked', async () => {
    const run = await waymark('run', 'secret.workflow.ts', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      output: { header: 'Bearer ***', length: TOKEN.length },
    });
  });

  it('nothing the CLI printed, and nothing in the database, holds the secret', () => {
    expect(outputs.length).toBeGreaterThan(10);
    for (const { command, result } of outputs) {
      expect(`${command}\n${result.stdout}\n${result.stderr}`).not.toContain(TOKEN);
    }
    const { rows, raw } = databaseText(join(scratch.dir, 'test.db'));
    expect(rows).toContain('cannot log in with ***');
    expect(rows).not.toContain(TOKEN);
    expect(raw).not.toContain(TOKEN);
  });

  it('nor does any artifact, such as the agent transcripts', () => {
    const files = listFiles(join(scratch.dir, '.waymark', 'artifacts'));
    expect(files.map((f) => f.split('/').pop())).toContain('claude-code.jsonl');
    const all = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(all).toContain('Use the token ***');
    expect(all).not.toContain(TOKEN);
  });

  it('nor does any JSONL run log, which holds the masked output lines', () => {
    const dir = join(scratch.dir, '.waymark', 'logs');
    const logs = readdirSync(dir).map((name) => readFileSync(join(dir, name), 'utf8'));
    expect(logs.length).toBeGreaterThanOrEqual(4);
    const all = logs.join('\n');
    expect(all).toContain('"text":"stdout ***"');
    expect(all).toContain('"text":"stderr ***"');
    expect(all).toContain('"type":"executor.finished"');
    expect(all).not.toContain(TOKEN);
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
