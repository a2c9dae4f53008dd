/**
 * Waymark's error classes. Each carries a stable string `code` and a `retryable` flag, is
 * stored in serialized form (see serialize-error.ts) and comes back as the same class.
 */
import { brandErrorClasses, hasSameBrand } from './error-brand.ts';
import { formatDuration } from './format-duration.ts';

export type ErrorCode =
  | 'STEP_FAILED'
  | 'STEP_TIMEOUT'
  | 'WORKFLOW_TIMEOUT'
  | 'NON_DETERMINISM'
  | 'NON_RETRYABLE'
  | 'LEASE_LOST'
  | 'VALIDATION'
  | 'RECOVERY_LIMIT'
  | 'CANCELLED'
  | 'STEP_CANCELLED'
  | 'CHILD_FAILED'
  | 'NOT_SERIALIZABLE'
  | 'NOT_FOUND'
  | 'UNKNOWN_WORKFLOW'
  | 'STORE'
  | (string & {});

export interface WaymarkErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  /** Step key the error happened in, when known. */
  step?: string;
  attempt?: number;
  details?: Record<string, unknown>;
}

export class WaymarkError extends Error {
  /**
   * `x instanceof SomeWaymarkError`: the usual prototype check, or else a prototype of `x`
   * with the class's brand, so an error made by another copy of the library passes too
   * (error-brand.ts). A subclass defined elsewhere has only the usual check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value) || hasSameBrand(value, this);
  }

  override name = 'WaymarkError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  step: string | undefined;
  attempt: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: WaymarkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.step = options.step;
    this.attempt = options.attempt;
    this.details = options.details;
  }
}

/** Thrown from a step to fail it at once, without further attempts. */
export class NonRetryableError extends WaymarkError {
  override name = 'NonRetryableError';
  constructor(message: string, options: Omit<WaymarkErrorOptions, 'retryable'> = {}) {
    super('NON_RETRYABLE', message, { ...options, retryable: false });
  }
}

/**
 * Thrown from a step to ask for a retry no sooner than `retryAfterMs` (an HTTP 429 with
 * Retry-After, a rate limit). Counts as an attempt like any other failure. Its code is
 * `STEP_FAILED` unless given (`HTTP_STATUS`).
 */
export class RetryableError extends WaymarkError {
  override name = 'RetryableError';
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    options: Omit<WaymarkErrorOptions, 'retryable'> & {
      retryAfterMs?: number;
      code?: ErrorCode;
    } = {},
  ) {
    super(options.code ?? 'STEP_FAILED', message, { ...options, retryable: true });
    this.retryAfterMs = options.retryAfterMs;
  }
}

export class StepTimeoutError extends WaymarkError {
  override name = 'StepTimeoutError';
  constructor(step: string, timeoutMs: number, attempt?: number) {
    super('STEP_TIMEOUT', `step "${step}" timed out after ${formatDuration(timeoutMs)}`, {
      retryable: true,
      step,
      ...(attempt === undefined ? {} : { attempt }),
      details: { timeoutMs },
    });
  }
}

export class WorkflowTimeoutError extends WaymarkError {
  override name = 'WorkflowTimeoutError';
  constructor(message: string) {
    super('WORKFLOW_TIMEOUT', message);
  }
}

export class NonDeterminismError extends WaymarkError {
  override name = 'NonDeterminismError';
  constructor(message: string, options: WaymarkErrorOptions = {}) {
    super('NON_DETERMINISM', message, options);
  }
}

/** A fenced write was rejected: another worker owns the run now, or it ended. */
export class LeaseLostError extends WaymarkError {
  override name = 'LeaseLostError';
  constructor(message: string) {
    super('LEASE_LOST', message);
  }
}

export interface ValidationIssue {
  path: string;
  message: string;
}

export class ValidationError extends WaymarkError {
  override name = 'ValidationError';
  readonly issues: ValidationIssue[];
  constructor(message: string, issues: ValidationIssue[] = []) {
    super('VALIDATION', formatIssues(message, issues), { details: { issues } });
    this.issues = issues;
  }
}

function formatIssues(message: string, issues: ValidationIssue[]): string {
  if (issues.length === 0) return message;
  const lines = issues.map((i) => `  - ${i.path === '' ? '(root)' : i.path}: ${i.message}`);
  return `${message}\n${lines.join('\n')}`;
}

export class CancelledError extends WaymarkError {
  override name = 'CancelledError';
  constructor(message = 'run was cancelled') {
    super('CANCELLED', message);
  }
}

/**
 * A step stopped because its scope was cancelled (its `signal` aborted), not because it failed:
 * a sibling of a `fail_fast` parallel failed, say. `started` tells whether it had begun.
 */
export class StepCancelledError extends WaymarkError {
  override name = 'StepCancelledError';
  constructor(message: string, options: { step?: string; started: boolean }) {
    super('STEP_CANCELLED', message, {
      retryable: false,
      ...(options.step === undefined ? {} : { step: options.step }),
      details: { started: options.started },
    });
  }
}

/** Surfaces a child run's failure (or cancellation) in its parent. */
export class ChildWorkflowError extends WaymarkError {
  override name = 'ChildWorkflowError';
  readonly childRunId: string;
  constructor(message: string, childRunId: string, options: WaymarkErrorOptions = {}) {
    super('CHILD_FAILED', message, { ...options, details: { ...options.details, childRunId } });
    this.childRunId = childRunId;
  }
}

export class RecoveryLimitError extends WaymarkError {
  override name = 'RecoveryLimitError';
  constructor(message: string) {
    super('RECOVERY_LIMIT', message);
  }
}

export class NotFoundError extends WaymarkError {
  override name = 'NotFoundError';
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class StoreError extends WaymarkError {
  override name = 'StoreError';
  constructor(message: string, options: WaymarkErrorOptions = {}) {
    super('STORE', message, options);
  }
}

brandErrorClasses({
  WaymarkError,
  NonRetryableError,
  RetryableError,
  StepTimeoutError,
  WorkflowTimeoutError,
  NonDeterminismError,
  LeaseLostError,
  ValidationError,
  CancelledError,
  StepCancelledError,
  ChildWorkflowError,
  RecoveryLimitError,
  NotFoundError,
  StoreError,
});
