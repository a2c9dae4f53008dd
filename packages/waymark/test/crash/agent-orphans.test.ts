/**
 * An agent CLI does not outlive a `waymark run` killed with SIGKILL: the watchdog leading its
 * process group (run-process.ts) kills the group when its pipe to the CLI closes. Nor one
 * interrupted with Ctrl-C, which exits before the SIGKILL that follows the agent's SIGTERM
 * (which the fake ignores). Real processes: the CLI, the fake `codex` (hanging) and its child.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_AGENT_CLIS, isAlive } from '../fixtures/agent-clis/fake-agents.ts';
import { type CliProcess, interrupt, killAllCliProcesses, startCli } from './cli-process.ts';
import { crashScratch } from './scratch.ts';
import { until } from './tracked-process.ts';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await killAllCliProcesses();
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

describe('an agent stage of a stopped CLI (real processes)', () => {
  it.each([
    ['SIGKILLed', (cli: CliProcess) => cli.kill()],
    ['interrupted (Ctrl-C)', (cli: CliProcess) => interrupt(cli)],
  ])(
    '%s: leaves no process behind',
    async (_how, stop) => {
      const scratch = await crashScratch('waymark-agent-orphans-', (fn) => cleanup.push(fn));
      const pids = path.join(scratch.dir, 'pids');
      writeFileSync(
        path.join(scratch.dir, 'agent.workflow.yaml'),
        [
          'id: agent',
          'stages: [code]',
          'stage_configs:',
          '  code: { provider: codex, prompt: Go }',
          '',
        ].join('\n'),
      );
      // The CLI passes its environment on to the agent (this file's worker is its own process).
      const saved = { ...process.env };
      cleanup.push(() => {
        process.env = saved;
      });
      Object.assign(process.env, {
        WAYMARK_CODEX_BIN: path.join(FAKE_AGENT_CLIS, 'codex'),
        FAKE_AGENT_SCENARIO: 'hang',
        FAKE_AGENT_PIDS: pids,
      });
      const cli = startCli(
        'cli',
        scratch.dir,
        'run',
        'agent.workflow.yaml',
        '--db',
        scratch.dbPath,
      );
      await until(
        'the agent to write its pids',
        () => existsSync(pids) && readFileSync(pids, 'utf8').split('\n').length >= 3,
        20_000,
      );
      const [agent, child] = readFileSync(pids, 'utf8').trim().split('\n').map(Number) as [
        number,
        number,
      ];
      expect(isAlive(agent) && isAlive(child)).toBe(true);

      await stop(cli);
      await until(
        'the agent processes to be killed',
        () => !isAlive(agent) && !isAlive(child),
        10_000,
      );
      scratch.passed();
    },
    40_000,
  );
});
