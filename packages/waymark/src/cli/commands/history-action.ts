import { EXIT_OK } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { formatHistory } from '../format/history.ts';
import { formatJson } from '../format/json.ts';
import { noSuchRun, withClientEngine } from '../open-store.ts';
import type { HistoryOptions } from './history.ts';

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
