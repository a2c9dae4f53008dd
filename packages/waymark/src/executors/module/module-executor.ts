/**
 * `uses: module`: a JavaScript or TypeScript module of the project, run in this process. Its
 * default export `run(ctx)` (or a `run` export) gets the step's `inputs`, `meta`, earlier
 * steps' outputs (`refs.get`), `vars`, `logger`, `signal`, `config`, `secrets` and
 * `artifactsDir`, and returns `{ output?, vars?, artifacts? }`. TypeScript loads through tsx,
 * without a build step. `module` is literal text: which code runs never comes from data.
 */
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { z } from 'zod';
import { NonRetryableError, WaymarkError } from '../../core/errors.ts';
import {
  defineExecutor,
  type Executor,
  type ExecutorContext,
  type ExecutorLogger,
  type ExecutorResult,
} from '../executor.ts';
import { resolveModule } from './resolve-module.ts';

export interface ModuleExecutorOptions {
  /** Given to every module as `ctx.config` (the CLI: `executors.module.config`). Default {}. */
  config?: Readonly<Record<string, unknown>>;
}

/** What a module's `run` receives. */
export interface ModuleContext {
  /** The step's `with.inputs`, evaluated. */
  inputs: unknown;
  meta: { runId: string; stepId: string; attempt: number };
  /** Earlier steps' outputs: `refs.get('build')`, `refs.get('build', 'files.0')`. */
  refs: { get(ref: string, path?: string): unknown };
  vars: Readonly<Record<string, unknown>>;
  logger: ExecutorLogger;
  /** Aborted on timeout or cancel: stop then (a module's code cannot be killed). */
  signal: AbortSignal;
  config: Readonly<Record<string, unknown>>;
  secrets: Readonly<Record<string, string>>;
  /** The step's artifacts directory: files written there are recorded. */
  readonly artifactsDir: string;
}

export type ModuleRun = (
  ctx: ModuleContext,
) => Promise<ExecutorResult | undefined> | ExecutorResult | undefined;

const moduleArgs = z
  .object({
    module: z.string().min(1),
    inputs: z.unknown().optional(),
  })
  .strict();

export type ModuleArgs = z.output<typeof moduleArgs>;

export function createModuleExecutor(options: ModuleExecutorOptions = {}): Executor {
  const loaded = new Map<string, Promise<ModuleRun>>();
  const load = (path: string): Promise<ModuleRun> => {
    let run = loaded.get(path);
    if (run === undefined) {
      run = importRun(path);
      loaded.set(path, run);
      run.catch(() => loaded.delete(path)); // a broken module may be fixed and tried again
    }
    return run;
  };
  return defineExecutor<ModuleArgs>({
    name: 'module',
    withSchema: moduleArgs,
    literalArgs: ['module'],
    literalHint: 'name the module as it is; pass values to it in "inputs"',
    run: async (args, ctx) => {
      const path = resolveModule(args.module, ctx.baseDir);
      const run = await load(path);
      const result = await run(moduleContext(args, ctx, options.config ?? {}));
      return checkResult(result, path);
    },
  });
}

async function importRun(path: string): Promise<ModuleRun> {
  let exports: Record<string, unknown>;
  try {
    exports = (
      /\.[cm]?ts$/.test(path)
        ? await tsImport(pathToFileURL(path).href, { parentURL: import.meta.url })
        : await import(pathToFileURL(path).href)
    ) as Record<string, unknown>;
  } catch (error) {
    throw new NonRetryableError(
      `cannot load module ${path}: ${(error as Error)?.message ?? String(error)}`,
      {
        cause: error,
      },
    );
  }
  const fallback = exports['default'] as { run?: unknown } | undefined;
  const run = [exports['default'], fallback?.run, exports['run']].find(
    (f) => typeof f === 'function',
  );
  if (run === undefined) {
    throw new NonRetryableError(
      `module ${path} has no run function: export default async function run(ctx) { … } (its exports: ${Object.keys(exports).join(', ') || 'none'})`,
    );
  }
  return run as ModuleRun;
}

function moduleContext(
  args: ModuleArgs,
  ctx: ExecutorContext,
  config: Readonly<Record<string, unknown>>,
): ModuleContext {
  return {
    inputs: args.inputs ?? {},
    meta: { runId: ctx.runId, stepId: ctx.stepId, attempt: ctx.attempt },
    refs: {
      get: (ref, path) => {
        const step = Object.hasOwn(ctx.steps, ref) ? ctx.steps[ref] : undefined;
        if (step === undefined) {
          const known = Object.keys(ctx.steps);
          throw new NonRetryableError(
            `refs.get("${ref}"): no step "${ref}" has run before this one (known: ${known.join(', ') || 'none'})`,
          );
        }
        return path === undefined ? step.output : valueAt(step.output, path);
      },
    },
    vars: ctx.vars,
    logger: ctx.logger,
    signal: ctx.signal,
    config,
    secrets: ctx.secrets,
    get artifactsDir() {
      return ctx.artifactsDir;
    },
  };
}

/** `a.b.0.c` into a value; undefined where it does not lead anywhere. */
function valueAt(value: unknown, path: string): unknown {
  let at = value;
  for (const segment of path.split('.')) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, segment)) return undefined;
    at = (at as Record<string, unknown>)[segment];
  }
  return at;
}

const moduleResult = z
  .object({
    output: z.unknown().optional(),
    vars: z.record(z.string(), z.unknown()).optional(),
    artifacts: z.array(z.string()).optional(),
  })
  .strict()
  .optional()
  .nullable();

function checkResult(result: unknown, path: string): ExecutorResult {
  const parsed = moduleResult.safeParse(result);
  if (parsed.success) return (parsed.data ?? {}) as ExecutorResult;
  const problems = parsed.error.issues
    .map((i) => `${i.path.length === 0 ? 'the result' : i.path.join('.')}: ${i.message}`)
    .join('; ');
  throw new WaymarkError(
    'MODULE_RESULT',
    `module ${path} must return { output?, vars?, artifacts? } (or nothing): ${problems}`,
  );
}
