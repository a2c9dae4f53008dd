import type { Command } from 'commander';
import { createEngine } from '../../runtime/engine.ts';
import { CliError, EXIT_OK } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { describeDb } from '../db-location.ts';
import { DB_OPTION_HELP, resolveDbPath } from '../config.ts';
import { formatHistory } from '../format/history.ts';
import { formatJson } from '../format/json.ts';
import { withStore } from '../open-store.ts';

export interface HistoryOptions {
  db?: string;
  json?: boolean;
}

export function registerHistoryCommand(
  program: Command,
  ctx: CliContext,
  done: (code: number) => void,
): void {
  program
    .command('history')
    .description("print a run's history: every event in order, with the decisions taken")
    .argument('<runId>', 'the run id')
    .option('--db <path|url>', DB_OPTION_HELP)
    .option('--json', 'print { runId, events } as JSON')
    .action(async (runId: string, options: HistoryOptions) =>
      done(await historyCommand(runId, options, ctx)),
    );
}

export async function historyCommand(
  runId: string,
  options: HistoryOptions,
  ctx: CliContext,
): Promise<number> {
  const path = resolveDbPath(ctx.config, options.db);
  return withStore(path, { create: false }, async (store) => {
    const engine = createEngine({ store, worker: false });
    if ((await engine.getRun(runId)) === null)
      throw new CliError(`no run with id ${runId} in ${describeDb(path)}`);
    const events = await engine.history(runId);
    if (options.json === true) ctx.io.stdout(formatJson({ runId, events }));
    else ctx.io.stdout(formatHistory(events, ctx.style));
    return EXIT_OK;
  });
}
