import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { dbOption } from '../open-store.ts';

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
    .action(async (runId: string, options: HistoryOptions) => {
      const { historyCommand } = await import('./history-action.ts');
      done(await historyCommand(runId, options, ctx));
    });
}
