/** An executor step (or `uses` stage): one ctx.step that validates its arguments and runs. */
import type { Duration } from '../../core/durations.ts';
import { parseDuration } from '../../core/durations.ts';
import { NonRetryableError } from '../../core/errors.ts';
import type { RetryPolicy } from '../../core/retry-policy.ts';
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

export async function runExecutor(
  it: Interpreter,
  frame: Frame,
  key: string,
  call: ExecutorCall,
): Promise<unknown> {
  const executor = it.executors.get(call.executor);
  if (executor === undefined) {
    throw new NonRetryableError(`step "${key}": unknown executor "${call.executor}"`);
  }
  const retry = executorRetry(it, call);
  const timeout = call.timeout ?? it.defaultTimeout;
  if (timeout !== undefined) parseDuration(timeout, 'timeout');
  const options = {
    ...(retry === undefined ? {} : { retry }),
    ...(timeout === undefined ? {} : { timeout }),
    ...(frame.signal === undefined ? {} : { signal: frame.signal }),
  };
  const result = await it.ctx.step(key, options, async (sc) => {
    const parsed = executor.withSchema.safeParse(call.with(frame.scope));
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((i) => `${i.path.length === 0 ? 'with' : `with.${i.path.join('.')}`}: ${i.message}`)
        .join('; ');
      throw new NonRetryableError(
        `step "${key}" (${call.executor}): invalid arguments: ${problems}`,
      );
    }
    const r = await executor.run(parsed.data, {
      signal: sc.signal,
      runId: sc.runId,
      stepId: key,
      attempt: sc.attempt,
      env: {
        WAYMARK_RUN_ID: sc.runId,
        WAYMARK_STEP_ID: key,
        WAYMARK_ATTEMPT: String(sc.attempt),
      },
    });
    return { output: r.output ?? null, ...(r.vars === undefined ? {} : { vars: r.vars }) };
  });
  if (result.vars !== undefined) Object.assign(frame.scope.vars, result.vars);
  return result.output;
}
