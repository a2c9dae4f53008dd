/**
 * A step's processes do not outlive the `waymark run` that started them. Killed with SIGKILL,
 * the CLI runs no handler, but the watchdog leading the step's process group sees its pipe to
 * the CLI close and kills the group (run-process.ts). Interrupted with Ctrl-C, the CLI hands
 * the run back — aborting the step: SIGTERM to its group — and exits before the SIGKILL that
 * follows a grace period; a process that ignores SIGTERM is then killed by the watchdog too.
 * Real processes: the CLI, and a shell step's bash with a grandchild `sleep`, or an agent
 * step's fake `codex` (hanging, ignoring SIGTERM) with its child.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_AGENT_CLIS } from '../fixtures/agent-clis/fake-agents.ts';
import { isAlive } from '../executors/process-alive.ts';
import { type CliProcess, interrupt, killAllCliProcesses, startCliWithEnv } from './cli-process.ts';
import { crashScratch } from './scratch.ts';
import { waitFor } from '../until.ts';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await killAllCliProcesses();
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

/** Each step writes two pids, one a line, to the file $PIDS names. */
const STEPS: Record<string, { step: string[]; env: Record<string, string> }> = {
  'a shell step': {
    step: [
      '    uses: shell',
      '    with:',
      '      script: |',
      '        trap "" TERM',
      '        sleep 600 &',
      '        printf "%s\\n%s\\n" "$$" "$!" > "$PIDS"',
      '        wait',
    ],
    env: {},
  },
  'an agent step': {
    step: ['    uses: codex', '    with: { prompt: Go }'],
    env: {
      WAYMARK_CODEX_BIN: path.join(FAKE_AGENT_CLIS, 'codex'),
      FAKE_AGENT_SCENARIO: 'hang',
    },
  },
};

const STOPS: Record<string, (cli: CliProcess) => Promise<unknown>> = {
  SIGKILLed: (cli) => cli.kill(),
  'interrupted (Ctrl-C)': (cli) => interrupt(cli),
};

describe('the processes of a step of a stopped CLI (real processes)', () => {
  const cases = Object.keys(STEPS).flatMap((step) => Object.keys(STOPS).map((how) => [step, how]));
  it.each(cases)(
    '%s of a CLI %s leaves none behind',
    async (kind, how) => {
      const { step, env } = STEPS[kind] as (typeof STEPS)[string];
      const scratch = await crashScratch('waymark-orphans-', (fn) => cleanup.push(fn));
      const pids = path.join(scratch.dir, 'pids');
      writeFileSync(
        path.join(scratch.dir, 'hang.workflow.yaml'),
        ['id: hang', 'steps:', '  - id: hang', ...step, ''].join('\n'),
      );
      const cli = startCliWithEnv(
        'cli',
        scratch.dir,
        { ...env, PIDS: pids, FAKE_AGENT_PIDS: pids },
        'run',
        'hang.workflow.yaml',
        '--db',
        scratch.dbPath,
      );
      await waitFor(
        'the step to write its pids',
        () => existsSync(pids) && readFileSync(pids, 'utf8').split('\n').length >= 3,
        20_000,
      );
      const [leader, child] = readFileSync(pids, 'utf8').trim().split('\n').map(Number) as [
        number,
        number,
      ];
      expect(isAlive(leader) && isAlive(child)).toBe(true);

      await (STOPS[how] as (typeof STOPS)[string])(cli);
      await waitFor(
        'the step processes to be killed',
        () => !isAlive(leader) && !isAlive(child),
        10_000,
      );
      scratch.passed();
    },
    40_000,
  );
});
