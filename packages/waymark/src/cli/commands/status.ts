import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { dbOption } from '../open-store.ts';

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
    .addOption(dbOption())
    .option('--json', 'print { run, steps } as JSON')
    .action(async (runId: string, options: StatusOptions) => {
      const { statusCommand } = await import('./status-action.ts');
      done(await statusCommand(runId, options, ctx));
    });
}
