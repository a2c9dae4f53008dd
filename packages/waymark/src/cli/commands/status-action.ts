import { EXIT_OK } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { formatJson } from '../format/json.ts';
import { formatRunStatus } from '../format/run-status.ts';
import { noSuchRun, withClientEngine } from '../open-store.ts';
import type { StatusOptions } from './status.ts';

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
