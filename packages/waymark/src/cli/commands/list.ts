import type { Command } from 'commander';
import { RUN_STATUSES } from '../../core/run.ts';
import type { CliContext } from '../cli-context.ts';
import { dbOption } from '../open-store.ts';

export interface ListOptions {
  status?: string;
  workflow?: string;
  limit?: string;
  db?: string;
  json?: boolean;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 1000;

export function registerListCommand(
  program: Command,
  ctx: CliContext,
  done: (code: number) => void,
): void {
  program
    .command('list')
    .description('list recent runs, newest first')
    .option('--status <status>', `only runs with this status (${RUN_STATUSES.join(', ')})`)
    .option('--workflow <name>', 'only runs of this workflow')
    .option(
      '--limit <n>',
      `at most this many runs (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT})`,
    )
    .addOption(dbOption())
    .option('--json', 'print { runs, nextCursor } as JSON')
    .action(async (options: ListOptions) => {
      const { listCommand } = await import('./list-action.ts');
      done(await listCommand(options, ctx));
    });
}
