import type { Command } from 'commander';
import { EXIT_OK } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { formatHistory } from '../format/history.ts';
import { formatJson } from '../format/json.ts';
import { dbOption, noSuchRun, withClientEngine } from '../open-store.ts';

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
    .addOption(dbOption())
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
  return withClientEngine(ctx, options.db, async (engine, dbPath) => {
    if ((await engine.getRun(runId)) === null) throw noSuchRun(runId, dbPath);
    const events = await engine.history(runId);
    if (options.json === true) ctx.io.stdout(formatJson({ runId, events }));
    else ctx.io.stdout(formatHistory(events, ctx.style));
    return EXIT_OK;
  });
}
