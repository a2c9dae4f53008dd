import type { Command } from 'commander';
import { isRunStatus, RUN_STATUSES } from '../../core/run.ts';
import type { ListRunsParams } from '../../core/store.ts';
import { createEngine } from '../../runtime/engine.ts';
import { EXIT_OK, UsageError } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { DB_OPTION_HELP, resolveDbPath } from '../config.ts';
import { formatJson } from '../format/json.ts';
import { formatRunList } from '../format/run-list.ts';
import { withStore } from '../open-store.ts';

export interface ListOptions {
  status?: string;
  workflow?: string;
  limit?: string;
  db?: string;
  json?: boolean;
}

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

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
    .option('--db <path|url>', DB_OPTION_HELP)
    .option('--json', 'print { runs, nextCursor } as JSON')
    .action(async (options: ListOptions) => done(await listCommand(options, ctx)));
}

export async function listCommand(options: ListOptions, ctx: CliContext): Promise<number> {
  const params = listParams(options);
  const path = resolveDbPath(ctx.config, options.db);
  return withStore(path, { create: false }, async (store) => {
    const engine = createEngine({ store, worker: false });
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
