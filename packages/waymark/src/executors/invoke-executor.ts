/**
 * Runs an executor inside a step: checks its arguments, gives it its context (logger,
 * artifacts directory, environment), and records its start and end in the run's history —
 * `executor.started` with a summary of the input, `executor.finished` with `status: ok |
 * error`, the duration and a summary of the output or the error. YAML steps run their
 * executors through it; code calls it inside `ctx.step`.
 */
import { resolve } from 'node:path';
import { NonRetryableError } from '../core/errors.ts';
import { serializeError } from '../core/serialize-error.ts';
import type { StepContext } from '../runtime/workflow-context.ts';
import { DEFAULT_ARTIFACTS_ROOT, StepArtifacts } from './artifacts.ts';
import { checkExecutorArgs, formatArgumentIssues } from './executor-args.ts';
import type { Executor, ExecutorContext, StepState } from './executor.ts';
import { createStepLogger, DEFAULT_LOGGER_LIMITS, type StepLoggerLimits } from './step-logger.ts';
import { cutText, summarize } from './summarize.ts';

export interface InvokeOptions {
  /** Where steps' artifacts directories are made. Default `.waymark/artifacts` (process cwd). */
  artifactsRoot?: string;
  /** What relative paths resolve against (the workflow file's directory). Default: the process's. */
  baseDir?: string;
  /** Earlier steps, variables and secrets the executor may read (YAML passes its scope). */
  steps?: Readonly<Record<string, StepState>>;
  vars?: Readonly<Record<string, unknown>>;
  secrets?: Readonly<Record<string, string>>;
  /** Caps on the lines an attempt adds to the history. */
  logLimits?: Partial<StepLoggerLimits>;
}

export interface InvokeResult {
  output: unknown;
  vars?: Record<string, unknown>;
  /** Absolute paths, sorted; empty when the step produced none. */
  artifacts: string[];
}

/**
 * @example
 * const shell = createShellExecutor();
 * const built = await ctx.step('build', (step) =>
 *   invokeExecutor(shell, { command: ['make', 'dist'], output: 'lines' }, step),
 * );
 */
export async function invokeExecutor<TArgs>(
  executor: Executor<TArgs>,
  args: unknown,
  step: StepContext,
  options: InvokeOptions = {},
): Promise<InvokeResult> {
  const maskText = (text: string): string => step.mask(text);
  const startedAt = step.addEvent({
    type: 'executor.started',
    data: { executor: executor.name, input: summarize(args, maskText) },
  });
  let finished = false;
  const finish = (data: Record<string, unknown>): void => {
    if (finished) return;
    finished = true;
    step.addEvent({
      type: 'executor.finished',
      data: { executor: executor.name, ...data },
      startedAt,
    });
  };
  const attempt = createExecutorContext(step, options);
  /** `artifacts`: how many files the step left (a killed agent's transcript so far…). */
  const failed = (error: unknown, artifacts: number): void => {
    const { code, message } = serializeError(error);
    finish({
      status: 'error',
      error: { code, message: cutText(message, maskText) },
      ...(artifacts === 0 ? {} : { artifacts }),
    });
  };
  // A timeout or cancel ends the attempt at once, before the executor has stopped: its end
  // is recorded in the abort itself, so it goes with the attempt's failure.
  const signal = step.signal;
  const onAbort = (): void => failed(signal.reason, attempt.artifactCount());
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const checked = checkExecutorArgs(executor, args);
    if (!checked.ok) {
      throw new NonRetryableError(
        `step "${step.stepKey}" (${executor.name}): invalid arguments: ${formatArgumentIssues(checked.issues)}`,
      );
    }
    const result = await executor.run(checked.args, attempt.context);
    const artifacts = attempt.end(result.artifacts);
    finish({
      status: 'ok',
      output: summarize(result.output ?? null, maskText),
      ...(artifacts.length === 0 ? {} : { artifacts: artifacts.length }),
    });
    return {
      output: result.output ?? null,
      ...(result.vars === undefined ? {} : { vars: result.vars }),
      artifacts,
    };
  } catch (error) {
    failed(error, attempt.end().length);
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * The context an executor runs with, made from the step's (what `invokeExecutor` passes; for
 * calling an executor's `run` yourself, or testing one). `end` reports the lines the logger
 * dropped and returns the step's artifacts: the files in its directory and those `named`;
 * `artifactCount` says how many files the directory holds so far.
 */
export function createExecutorContext(
  step: StepContext,
  options: InvokeOptions = {},
): {
  context: ExecutorContext;
  end(named?: readonly string[]): string[];
  artifactCount(): number;
} {
  const logger = createStepLogger(step, { ...DEFAULT_LOGGER_LIMITS, ...options.logLimits });
  const artifacts = new StepArtifacts(
    options.artifactsRoot ?? DEFAULT_ARTIFACTS_ROOT,
    step.runId,
    step.stepKey,
  );
  let env: Record<string, string> | undefined;
  const context: ExecutorContext = {
    get signal() {
      return step.signal;
    },
    runId: step.runId,
    stepId: step.stepKey,
    attempt: step.attempt,
    get env() {
      env ??= {
        WAYMARK_RUN_ID: step.runId,
        WAYMARK_STEP_ID: step.stepKey,
        WAYMARK_ATTEMPT: String(step.attempt),
        WAYMARK_ARTIFACTS_DIR: artifacts.dir,
      };
      return env;
    },
    logger,
    get artifactsDir() {
      return artifacts.dir;
    },
    baseDir: resolve(options.baseDir ?? '.'),
    steps: options.steps ?? {},
    vars: options.vars ?? {},
    secrets: options.secrets ?? {},
  };
  return {
    context,
    end: (named) => {
      logger.close();
      return artifacts.collect(named);
    },
    artifactCount: () => artifacts.count(),
  };
}
