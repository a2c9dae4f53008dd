/**
 * The JSONL log of every run this process executes (`.waymark/logs/<runId>.jsonl`): subscribed
 * to the engine before the run starts, flushed when the command ends.
 */
import type { Engine } from '../runtime/engine.ts';
import { JsonlRunLog } from '../telemetry/jsonl-run-log.ts';
import type { CliContext } from './cli-context.ts';

export function startRunLogs(engine: Engine, ctx: CliContext): { stop(): void } {
  let warned = false;
  const log = new JsonlRunLog({
    dir: ctx.config.logsDir,
    onError: (error) => {
      if (warned) return;
      warned = true;
      ctx.io.stderr(
        `waymark: warning: cannot write run logs to ${ctx.config.logsDir}: ${(error as Error)?.message ?? String(error)}\n`,
      );
    },
  });
  const unsubscribe = engine.on(log.listener);
  return {
    stop: () => {
      unsubscribe();
      log.flush();
    },
  };
}
