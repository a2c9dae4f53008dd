import {
  CancelledError,
  ChildWorkflowError,
  LeaseLostError,
  NonDeterminismError,
  NonRetryableError,
  NotFoundError,
  RecoveryLimitError,
  RetryableError,
  StepCancelledError,
  StepTimeoutError,
  StoreError,
  ValidationError,
  WaymarkError,
  WorkflowTimeoutError,
} from './errors.ts';
import { parseDuration } from './durations.ts';

/** The stored form of an error: what history, the CLI and the API show. */
export interface SerializedError {
  type: string;
  code: string;
  message: string;
  retryable: boolean;
  step?: string;
  attempt?: number;
  stack?: string;
  details?: Record<string, unknown>;
  retryAfterMs?: number;
  cause?: SerializedError;
}

const KNOWN_CLASSES: Record<string, { prototype: object }> = {
  WaymarkError,
  NonRetryableError,
  RetryableError,
  StepTimeoutError,
  StepCancelledError,
  WorkflowTimeoutError,
  NonDeterminismError,
  LeaseLostError,
  ValidationError,
  CancelledError,
  ChildWorkflowError,
  RecoveryLimitError,
  NotFoundError,
  StoreError,
  // Built-ins keep their class too, so `instanceof TypeError` works after a replay.
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  URIError,
  EvalError,
};

const MAX_CAUSE_DEPTH = 5;

export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) {
    return {
      type: 'Error',
      code: 'STEP_FAILED',
      message: typeof error === 'string' ? error : safeString(error),
      retryable: true,
    };
  }
  const out: SerializedError = {
    type: error instanceof WaymarkError ? error.name : error.name || 'Error',
    code: errorCode(error),
    message: error.message,
    retryable: error instanceof WaymarkError ? error.retryable : true,
  };
  if (error.stack !== undefined) out.stack = error.stack;
  // Step and attempt are also set on replayed foreign errors (a plain Error a step threw).
  const located = error as { step?: unknown; attempt?: unknown };
  if (typeof located.step === 'string') out.step = located.step;
  if (typeof located.attempt === 'number') out.attempt = located.attempt;
  if (error instanceof WaymarkError && error.details !== undefined) out.details = error.details;
  const retryAfterMs = retryAfterOf(error);
  if (retryAfterMs !== undefined) out.retryAfterMs = retryAfterMs;
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    out.cause = serializeError(error.cause, depth + 1);
  }
  return out;
}

/** Rebuilds the error as the same class it was thrown as (plain `Error` for foreign types). */
export function deserializeError(data: SerializedError): Error {
  const known = KNOWN_CLASSES[data.type];
  const proto = known?.prototype ?? Error.prototype;
  const error = Object.create(proto) as Error & Record<string, unknown>;
  Object.defineProperty(error, 'message', { value: data.message, writable: true });
  Object.defineProperty(error, 'name', { value: data.type, writable: true });
  if (data.stack !== undefined) {
    Object.defineProperty(error, 'stack', { value: data.stack, writable: true });
  }
  error['code'] = data.code;
  error['retryable'] = data.retryable;
  error['step'] = data.step;
  error['attempt'] = data.attempt;
  if (data.details !== undefined) error['details'] = data.details;
  if (data.type === 'ValidationError') error['issues'] = data.details?.['issues'] ?? [];
  if (data.type === 'ChildWorkflowError') error['childRunId'] = data.details?.['childRunId'];
  if (data.retryAfterMs !== undefined) error['retryAfterMs'] = data.retryAfterMs;
  if (data.cause !== undefined) {
    Object.defineProperty(error, 'cause', { value: deserializeError(data.cause), writable: true });
  }
  return error;
}

/**
 * The least delay before the next attempt that the error asks for: `retryAfterMs` (a number
 * of milliseconds, as RetryableError has) or `retryAfter` as a duration text with its unit
 * ("30s", "1m"); on any error, so one from another library can carry it too. A bare number
 * under `retryAfter`, or digits without a unit, is ignored: some libraries mean seconds by
 * it, others milliseconds.
 */
function retryAfterOf(error: Error): number | undefined {
  const { retryAfterMs, retryAfter } = error as { retryAfterMs?: unknown; retryAfter?: unknown };
  if (typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    return retryAfterMs;
  }
  // Text with a unit only: a bare "120" is how an HTTP Retry-After header says seconds.
  if (typeof retryAfter !== 'string' || /^\s*[\d.]+\s*$/.test(retryAfter)) return undefined;
  try {
    return parseDuration(retryAfter);
  } catch {
    return undefined; // not a duration
  }
}

function errorCode(error: Error): string {
  if (error instanceof WaymarkError) return error.code;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' ? code : 'STEP_FAILED';
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
