import type { Command } from 'commander';
import { createEngine } from '../../runtime/engine.ts';
import { CliError, EXIT_OK } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { describeDb } from '../db-location.ts';
import { DB_OPTION_HELP, resolveDbPath } from '../config.ts';
import { formatJson } from '../format/json.ts';
import { formatRunStatus } from '../format/run-status.ts';
import { withStore } from '../open-store.ts';

export interface StatusOptions {
  db?: string;
  json?: boolean;
}

export function registerStatusCommand(
  program: Command,
  ctx: CliContext,
  done: (code: number) => void,
): void {
  program
    .command('status')
    .description('show a run: status, input, times, current step, attempts of each step, error')
    .argument('<runId>', 'the run id')
    .option('--db <path|url>', DB_OPTION_HELP)
    .option('--json', 'print { run, steps } as JSON')
    .action(async (runId: string, options: StatusOptions) =>
      done(await statusCommand(runId, options, ctx)),
    );
}

export async function statusCommand(
  runId: string,
  options: StatusOptions,
  ctx: CliContext,
): Promise<number> {
  const path = resolveDbPath(ctx.config, options.db);
  return withStore(path, { create: false }, async (store) => {
    // A client engine: no worker, so it executes nothing; all reads go through its API.
    const engine = createEngine({ store, worker: false });
    const run = await engine.getRun(runId);
    if (run === null) throw new CliError(`no run with id ${runId} in ${describeDb(path)}`);
    const steps = await engine.steps(runId);
    if (options.json === true) ctx.io.stdout(formatJson({ run, steps }));
    else ctx.io.stdout(formatRunStatus(run, steps, ctx.style, engine.clock.now()));
    return EXIT_OK;
  });
}
