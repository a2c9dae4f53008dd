import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { parseDuration } from '../../core/durations.ts';
import { createEngine } from '../../runtime/engine.ts';
import { DEFAULT_WORKER_OPTIONS } from '../../runtime/worker-defaults.ts';
import { EXIT_OK, UsageError } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { DEFAULT_WORKFLOWS_DIR, resolveDbPath } from '../config.ts';
import { describeDb } from '../db-location.ts';
import { formatMs, formatTime } from '../format/time.ts';
import { loadWorkerWorkflows } from '../load-worker-workflows.ts';
import { openCliStore } from '../open-store.ts';
import type { WorkerCommandOptions } from './worker.ts';

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
