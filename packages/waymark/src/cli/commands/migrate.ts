import type { Command } from 'commander';
import type { RunRecord } from '../../core/run.ts';
import type { Store } from '../../core/store.ts';
import { CliError, EXIT_OK, UsageError } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { resolveDbPath } from '../config.ts';
import { describeDb, isPostgresUrl, parsePostgresLocation } from '../db-location.ts';
import { formatJson } from '../format/json.ts';
import { loadPostgresAdapter, withStore } from '../open-store.ts';

export interface MigrateOptions {
  from?: string;
  to?: string;
  json?: boolean;
}

const MIGRATE_HELP = `
Copies every run of the source — its input, status, output or error, lease and fencing token,
recorded definition, steps and history — into the target, in one transaction: either all of
it arrives or nothing does. The target may hold other runs, but none with the id or the
idempotency key of a source run: then nothing is copied and the conflicts are listed.
Stop the workers of the source first: a run they still execute would carry on there.
A paused run resumes as pending (at its wake time, if it was sleeping).
`;

export function registerMigrateCommand(
  program: Command,
  ctx: CliContext,
  done: (code: number) => void,
): void {
  program
    .command('migrate')
    .description('copy all runs, steps and history from one database (SQLite) to PostgreSQL')
    .requiredOption('--from <path|url>', 'the source database (a SQLite file)')
    .requiredOption('--to <url>', 'the target: postgres://user@host/db[?schema=name]')
    .option('--json', 'print { runs, steps, events } copied as JSON')
    .addHelpText('after', MIGRATE_HELP)
    .action(async (options: MigrateOptions) => done(await migrateCommand(options, ctx)));
}

export async function migrateCommand(options: MigrateOptions, ctx: CliContext): Promise<number> {
  const from = resolveDbPath(ctx.config, options.from);
  const to = options.to ?? '';
  if (!isPostgresUrl(to)) {
    throw new UsageError(`--to must be a postgres:// URL, got "${describeDb(to)}"`);
  }
  if (from === to) throw new UsageError('--from and --to are the same database');
  const { openPostgresStore } = await loadPostgresAdapter();
  return withStore(from, { create: false }, async (source) => {
    const runs = await allRuns(source);
    const { url, schema } = parsePostgresLocation(to);
    const target = await openPostgresStore({
      url,
      ...(schema === undefined ? {} : { schema }),
      applicationName: 'waymark-migrate',
      notifications: false,
    });
    try {
      const keys = runs.flatMap((run) => (run.idempotencyKey === null ? [] : [run.idempotencyKey]));
      const existing = await target.findExistingRuns(
        runs.map((run) => run.id),
        keys,
      );
      if (existing.length > 0) throw conflictError(existing, runs, to);
      const counts = await target.importRuns(
        (async function* () {
          for (const run of runs) {
            const steps = await source.listSteps({ runId: run.id });
            const events = await source.listEvents({ runId: run.id });
            yield { run, steps, events };
          }
        })(),
      );
      if (options.json === true) ctx.io.stdout(formatJson(counts));
      else {
        ctx.io.stdout(
          `Copied ${counts.runs} runs, ${counts.steps} steps and ${counts.events} history events ` +
            `from ${describeDb(from)} to ${target.description}\n`,
        );
        const running = runs.filter((run) => run.status === 'running').length;
        if (running > 0) {
          ctx.io.stdout(
            `note: ${running} of them were running; a worker on the target resumes each once its lease expires\n`,
          );
        }
      }
      return EXIT_OK;
    } finally {
      await target.close();
    }
  });
}

/** Every run of the store, any status (newest first). */
async function allRuns(store: Store): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  let cursor: string | null = null;
  do {
    const page: { runs: RunRecord[]; nextCursor: string | null } = await store.listRuns({
      limit: 1000,
      cursor,
    });
    runs.push(...page.runs);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return runs;
}

function conflictError(
  existing: Array<{ id: string; idempotencyKey: string | null }>,
  runs: RunRecord[],
  to: string,
): CliError {
  const ids = new Set(runs.map((run) => run.id));
  const shown = existing
    .slice(0, 5)
    .map((run) =>
      ids.has(run.id)
        ? `  run ${run.id} (same id)`
        : `  run ${run.id} (same idempotency key "${run.idempotencyKey ?? ''}")`,
    );
  const more =
    existing.length > shown.length ? [`  … and ${existing.length - shown.length} more`] : [];
  return new CliError(
    [
      `refusing to migrate: ${describeDb(to)} already holds ${existing.length} run(s) that conflict with the source; nothing was copied`,
      ...shown,
      ...more,
      'Migrate into an empty schema (postgres://…?schema=<name>), or remove those runs first.',
    ].join('\n'),
  );
}
