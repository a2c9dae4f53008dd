import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseDuration } from '../../core/durations.ts';
import { createEngine, DEFAULT_WORKER_OPTIONS } from '../../runtime/engine.ts';
import { EXIT_OK, UsageError } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { DB_OPTION_HELP, resolveDbPath } from '../config.ts';
import { describeDb } from '../db-location.ts';
import { formatMs, formatTime } from '../format/time.ts';
import { loadWorkerWorkflows } from '../load-worker-workflows.ts';
import { openCliStore } from '../open-store.ts';
import { DEFAULT_WORKFLOWS_DIR } from '../yaml-workflow.ts';

export interface WorkerCommandOptions {
  db?: string;
  concurrency?: string;
  dir?: string;
  lease?: string;
  poll?: string;
  grace?: string;
  id?: string;
}

const WORKER_HELP = `
The worker claims due runs of its workflows from the database and executes them, as many at
once as --concurrency allows, until it is stopped. Any number of workers, on any number of
machines, can share one PostgreSQL database (SQLite: processes on one machine).

Stopping:
  SIGTERM, Ctrl-C   claims nothing more at once; runs in flight may finish for up to --grace,
                    then the rest are handed back (pending, due now), so another worker
                    resumes them at once instead of waiting for their leases; exit 0.
                    A second signal exits at once.
  kill -9, a crash  the runs it held are resumed by other workers once their leases expire
                    (--lease) and a worker polls (--poll); recorded steps never run again.
`;

export function registerWorkerCommand(
  program: Command,
  ctx: CliContext,
  done: (code: number) => void,
): void {
  program
    .command('worker')
    .description('run a long-lived worker that executes due runs of the given workflows')
    .argument(
      '[workflows...]',
      `workflow modules, YAML files, or directories of *.workflow.yaml / *.workflow.ts files (default ./${DEFAULT_WORKFLOWS_DIR})`,
    )
    .option('--db <path|url>', DB_OPTION_HELP)
    .option(
      '--concurrency <n>',
      'runs executed at once',
      String(DEFAULT_WORKER_OPTIONS.concurrency),
    )
    .option(
      '--dir <dir>',
      `YAML: the workflows directory nested runs are looked up in (default ./${DEFAULT_WORKFLOWS_DIR})`,
    )
    .option('--lease <duration>', 'how long a run stays claimed without a heartbeat', '30s')
    .option('--poll <duration>', 'how often to look for due runs nobody announced', '1s')
    .option('--grace <duration>', 'on stop, how long runs in flight may go on', '10s')
    .option('--id <workerId>', 'this worker’s id, in leases and history (default: host-pid)')
    .addHelpText('after', WORKER_HELP)
    .action(async (targets: string[], options: WorkerCommandOptions) =>
      done(await workerCommand(targets, options, ctx)),
    );
}

/** `waymark worker`: executes due runs until SIGTERM/Ctrl-C, then stops gracefully. */
export async function workerCommand(
  targets: readonly string[],
  options: WorkerCommandOptions,
  ctx: CliContext,
): Promise<number> {
  const settings = resolveSettings(options);
  const dbPath = resolveDbPath(ctx.config, options.db);
  const store = await openCliStore(dbPath, { create: true, name: settings.workerId });
  try {
    const { workflows, sources } = await loadWorkerWorkflows(
      targets.length === 0 ? [DEFAULT_WORKFLOWS_DIR] : targets,
      ctx.config,
      {
        workflowsDir: resolve(ctx.config.cwd, options.dir ?? DEFAULT_WORKFLOWS_DIR),
        recordedDefinition: async (runId) => (await store.getRun({ runId }))?.definition ?? null,
      },
    );
    // Listening before the engine starts, so the interrupt of a fast SIGTERM is not missed.
    let unsubscribe: (() => void) | undefined;
    const interrupted = new Promise<string>((resolveSignal) => {
      unsubscribe = ctx.io.onInterrupt?.(resolveSignal);
    });
    const engine = createEngine({
      store,
      workflows,
      worker: settings,
      secrets: ctx.config.env,
    });
    engine.on((event) => {
      if (event.kind === 'engine-error') {
        ctx.io.stderr(
          `${formatTime(event.at)} error (${event.operation}): ${String(event.error)}\n`,
        );
      } else if (event.type === 'run.completed' || event.type === 'run.failed') {
        const mark = event.type === 'run.completed' ? ctx.style.green('✔') : ctx.style.red('✖');
        ctx.io.stdout(
          `${formatTime(event.at)} ${mark} ${event.workflowName} ${event.runId} ${event.type.slice(4)}\n`,
        );
      }
    });
    ctx.io.stdout(
      `Worker ${settings.workerId} on ${describeDb(dbPath)}: concurrency ${settings.concurrency}, ` +
        `lease ${formatMs(settings.leaseMs)}\n` +
        sources.map((s) => `  ${s.name}  ${ctx.style.dim(s.file)}\n`).join(''),
    );
    const signal = await interrupted;
    unsubscribe?.();
    ctx.io.stdout(
      `${signal}: claiming no more runs; runs in flight may finish for ${formatMs(settings.shutdownGraceMs)}, then are handed back…\n`,
    );
    await engine.stop();
    ctx.io.stdout(`Worker ${settings.workerId} stopped\n`);
    return EXIT_OK;
  } finally {
    await store.close();
  }
}

function resolveSettings(options: WorkerCommandOptions) {
  const concurrency = Number(options.concurrency ?? DEFAULT_WORKER_OPTIONS.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UsageError(`--concurrency must be a whole number >= 1, got "${options.concurrency}"`);
  }
  const duration = (flag: string, value: string | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    try {
      return parseDuration(value, flag);
    } catch (error) {
      throw new UsageError(`${flag}: ${(error as Error).message}`);
    }
  };
  const leaseMs = duration('--lease', options.lease, DEFAULT_WORKER_OPTIONS.leaseMs);
  if (leaseMs < 100) throw new UsageError('--lease must be at least 100ms');
  return {
    workerId: options.id ?? `${hostname()}-${process.pid}`,
    concurrency,
    leaseMs,
    pollMs: Math.max(1, duration('--poll', options.poll, DEFAULT_WORKER_OPTIONS.pollMs)),
    shutdownGraceMs: duration('--grace', options.grace, DEFAULT_WORKER_OPTIONS.shutdownGraceMs),
  };
}
