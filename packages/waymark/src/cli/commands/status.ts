import type { Command } from 'commander';
import { EXIT_OK } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { formatJson } from '../format/json.ts';
import { formatRunStatus } from '../format/run-status.ts';
import { dbOption, noSuchRun, withClientEngine } from '../open-store.ts';

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
    .action(async (runId: string, options: StatusOptions) =>
      done(await statusCommand(runId, options, ctx)),
    );
}

export async function statusCommand(
  runId: string,
  options: StatusOptions,
  ctx: CliContext,
): Promise<number> {
  return withClientEngine(ctx, options.db, async (engine, dbPath) => {
    const run = await engine.getRun(runId);
    if (run === null) throw noSuchRun(runId, dbPath);
    const steps = await engine.steps(runId);
    if (options.json === true) ctx.io.stdout(formatJson({ run, steps }));
    else ctx.io.stdout(formatRunStatus(run, steps, ctx.style, engine.clock.now()));
    return EXIT_OK;
  });
}
