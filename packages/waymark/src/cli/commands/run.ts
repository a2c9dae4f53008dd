import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { CLI_WORKER_OPTIONS, DEFAULT_WORKFLOWS_DIR } from '../config.ts';
import { formatMs } from '../format/time.ts';
import { dbOption } from '../open-store.ts';

export interface RunOptions {
  input?: string[];
  inputJson?: string;
  db?: string;
  workflow?: string;
  resume?: string;
  json?: boolean;
  dryRun?: boolean;
  summary?: boolean;
  dir?: string;
}

const RUN_HELP = `
The run executes in this process, with a worker that also picks up other due runs of the
module's workflows in the same database. Every step's result is recorded as it happens.

Stopping and resuming:
  Ctrl-C, SIGTERM   the step in flight may finish (up to ${formatMs(CLI_WORKER_OPTIONS.shutdownGraceMs)}), then the run is handed back
                    (status pending) and the command to resume it is printed; exit 130.
                    A second Ctrl-C exits at once.
  stdout closed     (\`waymark run … | head -1\`) the same, with the resume command on stderr.
  kill -9, a crash  the run stays "running" under this process's lease, which the CLI keeps
                    short (${formatMs(CLI_WORKER_OPTIONS.leaseMs)}, renewed every ${formatMs(CLI_WORKER_OPTIONS.leaseMs / 2)}): --resume waits for it to expire,
                    then continues from the last recorded step. The step cut off may run
                    again (steps run at least once); recorded results are never recomputed.
  --resume <runId>  also continues a sleeping run (when its wake time comes), a paused one,
                    or one waiting for child runs; a finished run just prints its result.

YAML workflows (file.workflow.yaml, or an id found as <dir>/<id>.workflow.yaml):
  the file is validated first; any mistake is printed as file:line:column and nothing runs
  (exit 2). --dry-run prints the plan and runs nothing. A run records the exact text it
  started with (and its sha256): --resume continues with that text, not the file on disk.

Exit codes: 0 completed, 1 failed or cancelled (or an error), 2 usage error, 130 interrupted.
`;

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerRunCommand(
  program: Command,
  ctx: CliContext,
  done: (code: number) => void,
): void {
  program
    .command('run')
    .description(
      'run a workflow (a .ts/.js/.mjs module, a .yaml file, or a registered id) in this process and print its steps as they happen',
    )
    .argument(
      '<file>',
      'a workflow module (its default export is the workflow), a YAML workflow file, or the id of one in the workflows directory',
    )
    .option(
      '--input <key=value>',
      'an input field, repeatable; values parse as JSON when they can; a.b=1 nests',
      collect,
    )
    .option(
      '--input-json <json>',
      'the whole input as JSON (--input pairs are merged into it and win)',
    )
    .option(
      '--workflow <exportName>',
      'run this export of the module instead of its default export',
    )
    .option(
      '--resume <runId>',
      'continue an existing run (interrupted, crashed or sleeping) instead of starting one',
    )
    .addOption(dbOption())
    .option(
      '--json',
      'print only a final { runId, status, output?, error? } object (with --summary, its steps too)',
    )
    .option('--dry-run', 'YAML: print the plan (steps, conditions, executors) and run nothing')
    .option(
      '--summary',
      'after the result, print a table of the steps: status, attempts, duration (--json: a steps list)',
    )
    .option(
      '--dir <dir>',
      `YAML: the workflows directory for ids and nested runs (default ./${DEFAULT_WORKFLOWS_DIR})`,
    )
    .addHelpText('after', RUN_HELP)
    .action(async (file: string, options: RunOptions) => {
      const { runCommand } = await import('./run-action.ts');
      done(await runCommand(file, options, ctx));
    });
}
