/** An executor step (or `uses` stage): one ctx.step that validates its arguments and runs. */
import type { Duration } from '../../core/durations.ts';
import { parseDuration } from '../../core/durations.ts';
import { NonRetryableError } from '../../core/errors.ts';
import type { RetryPolicy } from '../../core/retry-policy.ts';
import { invokeExecutor } from '../../executors/index.ts';
import type { OnFailure } from '../document.ts';
import type { Evaluate } from './step-nodes.ts';
import type { Frame, Interpreter } from './interpret.ts';
import { executorRetry } from './retried-steps.ts';

export interface ExecutorCall {
  executor: string;
  with: Evaluate;
  retry: RetryPolicy | undefined;
  onFailure: OnFailure;
  timeout: Duration | undefined;
}

/**
 * Runs the call as the step `key`; returns its output and pushes the files it produced onto
 * `artifacts`. The step records `{ output, vars?, artifacts? }`, so a replay restores all three.
 */
export async function runExecutor(
  it: Interpreter,
  frame: Frame,
  key: string,
  call: ExecutorCall,
  artifacts: string[],
): Promise<unknown> {
  const executor = it.executors.get(call.executor);
  if (executor === undefined) {
    throw new NonRetryableError(`step "${key}": unknown executor "${call.executor}"`);
  }
  const retry = executorRetry(it, call, executor.retry);
  const timeout = call.timeout ?? it.defaultTimeout ?? executor.defaultTimeout;
  if (timeout !== undefined) parseDuration(timeout, 'timeout');
  const options = {
    ...(retry === undefined ? {} : { retry }),
    ...(timeout === undefined ? {} : { timeout }),
    ...(frame.signal === undefined ? {} : { signal: frame.signal }),
  };
  const { scope } = frame;
  const result = await it.ctx.step(key, options, async (step) => {
    const r = await invokeExecutor(executor, call.with(scope), step, {
      ...it.invoke,
      steps: scope.steps,
      vars: scope.vars,
      secrets: scope.secrets,
    });
    return {
      output: r.output,
      ...(r.vars === undefined ? {} : { vars: r.vars }),
      ...(r.artifacts.length === 0 ? {} : { artifacts: r.artifacts }),
    };
  });
  if (result.vars !== undefined) Object.assign(scope.vars, result.vars);
  if (result.artifacts !== undefined) artifacts.push(...result.artifacts);
  return result.output;
}
