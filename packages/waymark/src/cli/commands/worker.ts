import type { Command } from 'commander';
import { DEFAULT_WORKER_OPTIONS } from '../../runtime/worker-defaults.ts';
import type { CliContext } from '../cli-context.ts';
import { DEFAULT_WORKFLOWS_DIR } from '../config.ts';
import { dbOption } from '../open-store.ts';

export interface WorkerCommandOptions {
  db?: string;
  concurrency?: string;
  dir?: string;
  lease?: string;
  poll?: string;
  grace?: string;
  id?: string;
}

const WORKER_HELP = `
The worker claims due runs of its workflows from the database and executes them, as many at
once as --concurrency allows, until it is stopped. Any number of workers, on any number of
machines, can share one PostgreSQL database (SQLite: processes on one machine).

Stopping:
  SIGTERM, Ctrl-C   claims nothing more at once; runs in flight may finish for up to --grace,
                    then the rest are handed back (pending, due now), so another worker
                    resumes them at once instead of waiting for their leases; exit 0.
                    A second signal exits at once.
  kill -9, a crash  the runs it held are resumed by other workers once their leases expire
                    (--lease) and a worker polls (--poll); recorded steps never run again.
`;

export function registerWorkerCommand(
  program: Command,
  ctx: CliContext,
  done: (code: number) => void,
): void {
  program
    .command('worker')
    .description('run a long-lived worker that executes due runs of the given workflows')
    .argument(
      '[workflows...]',
      `workflow modules, YAML files, or directories of *.workflow.yaml / *.workflow.ts files (default ./${DEFAULT_WORKFLOWS_DIR})`,
    )
    .addOption(dbOption())
    .option(
      '--concurrency <n>',
      'runs executed at once',
      String(DEFAULT_WORKER_OPTIONS.concurrency),
    )
    .option(
      '--dir <dir>',
      `YAML: the workflows directory nested runs are looked up in (default ./${DEFAULT_WORKFLOWS_DIR})`,
    )
    .option('--lease <duration>', 'how long a run stays claimed without a heartbeat', '30s')
    .option('--poll <duration>', 'how often to look for due runs nobody announced', '1s')
    .option('--grace <duration>', 'on stop, how long runs in flight may go on', '10s')
    .option('--id <workerId>', 'this worker’s id, in leases and history (default: host-pid)')
    .addHelpText('after', WORKER_HELP)
    .action(async (targets: string[], options: WorkerCommandOptions) => {
      const { workerCommand } = await import('./worker-action.ts');
      done(await workerCommand(targets, options, ctx));
    });
}
