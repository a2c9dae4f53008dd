/**
 * A `shell` step's processes do not outlive a `waymark run` killed with SIGKILL: no handler
 * runs then, but the watchdog leading the step's process group sees its pipe to the CLI close
 * and kills the group (run-process.ts). Nor do they outlive one interrupted with Ctrl-C, which
 * hands the run back, aborting the step (SIGTERM to its group), and exits before the SIGKILL
 * that follows a grace period: a script that ignores SIGTERM is killed by the watchdog then.
 * Real processes: the CLI, bash, a grandchild `sleep`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliProcess, interrupt, killAllCliProcesses, startCli } from './cli-process.ts';
import { isAlive } from '../executors/process-alive.ts';
import { crashScratch } from './scratch.ts';
import { until } from './tracked-process.ts';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await killAllCliProcesses();
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

describe('shell steps of a stopped CLI (real processes)', () => {
  it.each([
    ['SIGKILLed', (cli: CliProcess) => cli.kill()],
    ['interrupted (Ctrl-C)', (cli: CliProcess) => interrupt(cli)],
  ])(
    '%s: leave no process behind',
    async (_how, stop) => {
      const scratch = await crashScratch('waymark-orphans-', (fn) => cleanup.push(fn));
      const pids = path.join(scratch.dir, 'pids');
      writeFileSync(
        path.join(scratch.dir, 'hang.workflow.yaml'),
        [
          'id: hang',
          'steps:',
          '  - id: hang',
          '    uses: shell',
          '    with:',
          '      env: { PIDS: pids }',
          '      script: |',
          '        trap "" TERM',
          '        sleep 600 &',
          '        echo "$$ $!" > "$PIDS"',
          '        wait',
          '',
        ].join('\n'),
      );
      const cli = startCli('cli', scratch.dir, 'run', 'hang.workflow.yaml', '--db', scratch.dbPath);
      await until(
        'the script to write its pids',
        () => existsSync(pids) && readFileSync(pids, 'utf8').includes(' '),
        20_000,
      );
      const [bash, sleep] = readFileSync(pids, 'utf8').trim().split(' ').map(Number) as [
        number,
        number,
      ];
      expect(isAlive(bash) && isAlive(sleep)).toBe(true);

      await stop(cli);
      await until(
        'the step processes to be killed',
        () => !isAlive(bash) && !isAlive(sleep),
        10_000,
      );
      scratch.passed();
    },
    40_000,
  );
});
