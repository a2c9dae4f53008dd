import { isRunStatus, RUN_STATUSES } from '../../core/run.ts';
import type { ListRunsParams } from '../../core/store.ts';
import { EXIT_OK, UsageError } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { formatJson } from '../format/json.ts';
import { formatRunList } from '../format/run-list.ts';
import { withClientEngine } from '../open-store.ts';
import { DEFAULT_LIMIT, type ListOptions, MAX_LIMIT } from './list.ts';

export async function listCommand(options: ListOptions, ctx: CliContext): Promise<number> {
  const params = listParams(options);
  return withClientEngine(ctx, options.db, async (engine) => {
    const { runs, nextCursor } = await engine.listRuns(params);
    if (options.json === true) ctx.io.stdout(formatJson({ runs, nextCursor }));
    else ctx.io.stdout(formatRunList(runs, ctx.style, engine.clock.now()));
    return EXIT_OK;
  });
}

// Validated before the database is opened: a typo is a usage error, not an empty list.
function listParams(options: ListOptions): ListRunsParams {
  const params: ListRunsParams = { limit: DEFAULT_LIMIT };
  if (options.status !== undefined) {
    if (!isRunStatus(options.status)) {
      throw new UsageError(
        `invalid --status "${options.status}": expected one of ${RUN_STATUSES.join(', ')}`,
      );
    }
    params.status = options.status;
  }
  if (options.workflow !== undefined) params.workflow = options.workflow;
  if (options.limit !== undefined) {
    const limit = Number(options.limit);
    if (!/^\d+$/.test(options.limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new UsageError(
        `invalid --limit "${options.limit}": expected an integer from 1 to ${MAX_LIMIT}`,
      );
    }
    params.limit = limit;
  }
  return params;
}
