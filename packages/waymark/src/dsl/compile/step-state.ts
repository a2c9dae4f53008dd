/**
 * The `steps.<id>` state expressions read: each step's output, status, error and artifacts
 * (the files an executor step produced), set as the interpreter goes and rebuilt the same way
 * on replay.
 */
import { StepCancelledError } from '../../core/errors.ts';
import { serializeError } from '../../core/serialize-error.ts';
import type { ExpressionScope } from '../expressions/index.ts';

/**
 * `skipped`: its `if` was false, or its scope was cancelled before it started.
 * `cancelled`: its scope was cancelled (a `fail_fast` sibling failed) while it ran.
 */
export type StepStatus = 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export function setStep(
  scope: ExpressionScope,
  id: string | undefined,
  value: { output: unknown; status: StepStatus; error: unknown },
  artifacts: readonly string[] = [],
): void {
  if (id === undefined) return;
  Object.defineProperty(scope.steps, id, {
    value: { ...value, artifacts },
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** What `steps.<id>.error` shows: the code and message of the failure. */
export function errorValue(error: unknown): { code: string; message: string } {
  const s = serializeError(error);
  return { code: s.code, message: s.message };
}

export function isCancellation(error: unknown): error is StepCancelledError {
  return error instanceof StepCancelledError;
}

/** A cancellation that stopped the step before it did anything. */
export function cancelledBeforeStart(error: StepCancelledError): boolean {
  return error.details?.['started'] === false;
}
