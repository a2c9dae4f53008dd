import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentCliStatus } from '../../src/executors/agent/index.ts';
import { FAKE_AGENT_CLIS as FAKES } from '../fixtures/agent-clis/fake-agents.ts';
import { CliHarness, makeScratchDir } from './cli-harness.ts';

const NODE_DIR = join(process.execPath, '..');
const scratch = makeScratchDir();
afterAll(() => scratch.cleanup());

/** Another program named grok: it has a version, but none of the flags the adapter passes. */
function otherGrok(): string {
  const path = join(scratch.dir, 'grok');
  writeFileSync(
    path,
    `#!${process.execPath}\nconsole.log(process.argv.includes('--version') ? '0.0.3' : 'Usage: grok [-p prompt] [-d dir]');\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

describe('waymark agents doctor', () => {
  it('lists each agent CLI with its version, usable when its help has every flag passed', async () => {
    const env = {
      PATH: `${FAKES}:${NODE_DIR}:/usr/bin:/bin`,
      ANTHROPIC_API_KEY: 'sk-ant-test',
      WAYMARK_GROK_BIN: otherGrok(),
    };
    const { code, stdout, stderr } = await new CliHarness(scratch.dir, env).run('agents', 'doctor');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^PROVIDER +EXECUTABLE +VERSION +STATUS +NOTES$/m);
    expect(stdout).toMatch(/^claude-code +claude +9\.9\.9-fake +✔ usable +ANTHROPIC_API_KEY set$/m);
    expect(stdout).toMatch(/^codex +codex +9\.9\.9-fake +✔ usable +no API key variable set/m);
    expect(stdout).toMatch(/^gemini +gemini +9\.9\.9-fake +✔ usable/m);
    expect(stdout).toMatch(
      /^grok +\S+\/grok +0\.0\.3 +✘ not usable +its help does not mention --output-format, --single, --rules, --max-turns: not xAI Grok Build/m,
    );
    expect(stdout).not.toContain('sk-ant-test');
  });

  it('says what to install, and exits 1 when no CLI is usable', async () => {
    const { code, stdout } = await new CliHarness(scratch.dir, { PATH: '/nonexistent' }).run(
      'agents',
      'doctor',
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^codex +codex +- +✘ not installed +not installed: no "codex" \(npm install -g @openai\/codex\)$/m,
    );
  });

  it('prints JSON with --json', async () => {
    const env = {
      PATH: `${FAKES}:${NODE_DIR}:/usr/bin:/bin`,
      WAYMARK_CODEX_BIN: '/nonexistent/codex',
    };
    const { code, stdout } = await new CliHarness(scratch.dir, env).run(
      'agents',
      'doctor',
      '--json',
    );
    expect(code).toBe(0);
    const statuses = JSON.parse(stdout) as AgentCliStatus[];
    expect(statuses.map((s) => [s.provider, s.installed, s.usable])).toEqual([
      ['claude-code', true, true],
      ['codex', false, false],
      ['gemini', true, true],
      ['grok', true, true],
    ]);
    expect(statuses[0]).toEqual({
      provider: 'claude-code',
      title: 'Claude Code',
      binary: 'claude',
      installed: true,
      version: '9.9.9-fake',
      usable: true,
      problems: [],
      credentials: [],
    });
  });
});
