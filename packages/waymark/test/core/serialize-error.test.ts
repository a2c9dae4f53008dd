import { describe, expect, it } from 'vitest';
import * as errors from '../../src/core/errors.ts';
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
} from '../../src/core/errors.ts';
import {
  type SerializedError,
  deserializeError,
  serializeError,
} from '../../src/core/serialize-error.ts';

/** What the store does: serialize, write as JSON, read back, deserialize. */
function roundTrip(error: unknown): Error {
  const stored = JSON.parse(JSON.stringify(serializeError(error))) as SerializedError;
  return deserializeError(stored);
}

type ErrorClass = abstract new (...args: never[]) => WaymarkError;

/** One instance of every class in errors.ts, with the code and retryable flag it must keep. */
const CASES: Array<{
  cls: ErrorClass;
  make: () => WaymarkError;
  code: string;
  retryable: boolean;
}> = [
  {
    cls: WaymarkError,
    make: () => new WaymarkError('CUSTOM_CODE', 'custom', { retryable: true, details: { a: 1 } }),
    code: 'CUSTOM_CODE',
    retryable: true,
  },
  {
    cls: NonRetryableError,
    make: () => new NonRetryableError('card declined', { details: { card: 'visa' } }),
    code: 'NON_RETRYABLE',
    retryable: false,
  },
  {
    cls: RetryableError,
    make: () => new RetryableError('rate limited', { retryAfterMs: 30_000 }),
    code: 'STEP_FAILED',
    retryable: true,
  },
  {
    cls: StepTimeoutError,
    make: () => new StepTimeoutError('fetch#2', 5_000, 3),
    code: 'STEP_TIMEOUT',
    retryable: true,
  },
  {
    cls: StepCancelledError,
    make: () =>
      new StepCancelledError('step "b" was cancelled: branch "a" failed', {
        step: 'b',
        started: true,
      }),
    code: 'STEP_CANCELLED',
    retryable: false,
  },
  {
    cls: WorkflowTimeoutError,
    make: () => new WorkflowTimeoutError('workflow took too long'),
    code: 'WORKFLOW_TIMEOUT',
    retryable: false,
  },
  {
    cls: NonDeterminismError,
    make: () => new NonDeterminismError('step "a" was recorded as "b"'),
    code: 'NON_DETERMINISM',
    retryable: false,
  },
  {
    cls: LeaseLostError,
    make: () => new LeaseLostError('fencing token 3 is stale'),
    code: 'LEASE_LOST',
    retryable: false,
  },
  {
    cls: ValidationError,
    make: () =>
      new ValidationError('invalid input', [
        { path: 'name', message: 'required' },
        { path: '', message: 'bad' },
      ]),
    code: 'VALIDATION',
    retryable: false,
  },
  {
    cls: CancelledError,
    make: () => new CancelledError(),
    code: 'CANCELLED',
    retryable: false,
  },
  {
    cls: ChildWorkflowError,
    make: () => new ChildWorkflowError('child failed', '0190-child'),
    code: 'CHILD_FAILED',
    retryable: false,
  },
  {
    cls: RecoveryLimitError,
    make: () => new RecoveryLimitError('recovered 5 times in a row'),
    code: 'RECOVERY_LIMIT',
    retryable: false,
  },
  {
    cls: NotFoundError,
    make: () => new NotFoundError('no run 123'),
    code: 'NOT_FOUND',
    retryable: false,
  },
  {
    cls: StoreError,
    make: () => new StoreError('disk full', { retryable: true }),
    code: 'STORE',
    retryable: true,
  },
];

describe('serializeError / deserializeError', () => {
  it('has a round-trip case for every error class exported by errors.ts', () => {
    const exported = (Object.values(errors) as unknown[]).filter(
      (v): v is ErrorClass => typeof v === 'function' && v.prototype instanceof Error,
    );
    expect(exported.length).toBeGreaterThan(0);
    for (const cls of exported) {
      expect(
        CASES.some((c) => c.cls === cls),
        `add ${cls.name} to CASES`,
      ).toBe(true);
    }
  });

  describe.each(CASES.map((c) => [c.cls.name, c] as const))('%s', (_name, c) => {
    it('comes back as the same class with code, message, retryable, step, attempt, stack, details', () => {
      const original = c.make();
      original.step ??= 'charge#2';
      original.attempt ??= 3;
      expect(original).toBeInstanceOf(c.cls);
      expect(original.code).toBe(c.code);
      expect(original.retryable).toBe(c.retryable);

      const back = roundTrip(original) as WaymarkError;
      expect(back).toBeInstanceOf(c.cls);
      expect(back).toBeInstanceOf(WaymarkError);
      expect(back).toBeInstanceOf(Error);
      expect(back.name).toBe(original.name);
      expect(back.code).toBe(c.code);
      expect(back.message).toBe(original.message);
      expect(back.retryable).toBe(c.retryable);
      expect(back.step).toBe(original.step);
      expect(back.attempt).toBe(original.attempt);
      expect(back.stack).toBe(original.stack);
      expect(back.details).toEqual(original.details);
    });

    it('serializes the same way again after a round trip', () => {
      const first = serializeError(c.make());
      expect(serializeError(roundTrip(c.make()))).toEqual({ ...first, stack: expect.any(String) });
      expect(serializeError(deserializeError(first))).toEqual(first);
    });
  });

  it('keeps class-specific fields: retryAfterMs, issues, childRunId, timeoutMs', () => {
    const retry = roundTrip(new RetryableError('slow down', { retryAfterMs: 1_500 }));
    expect((retry as RetryableError).retryAfterMs).toBe(1_500);

    const issues = [{ path: 'input.email', message: 'not an email' }];
    const validation = roundTrip(new ValidationError('bad input', issues)) as ValidationError;
    expect(validation.issues).toEqual(issues);
    expect(validation.message).toContain('input.email: not an email');

    const child = roundTrip(
      new ChildWorkflowError('child failed', 'run-42', { details: { workflow: 'billing' } }),
    ) as ChildWorkflowError;
    expect(child.childRunId).toBe('run-42');
    expect(child.details).toEqual({ workflow: 'billing', childRunId: 'run-42' });

    const timeout = roundTrip(new StepTimeoutError('fetch', 250)) as StepTimeoutError;
    expect(timeout.step).toBe('fetch');
    expect(timeout.details).toEqual({ timeoutMs: 250 });
    expect(timeout.message).toBe('step "fetch" timed out after 250ms');
  });

  it('keeps the cause chain, each link with its class and fields', () => {
    const socket = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const store = new StoreError('write failed', { cause: socket, retryable: true });
    const top = new NonRetryableError('giving up', { cause: store, step: 'save', attempt: 4 });

    const back = roundTrip(top);
    expect(back).toBeInstanceOf(NonRetryableError);
    expect(back).toMatchObject({ code: 'NON_RETRYABLE', step: 'save', attempt: 4 });

    const cause = back.cause as StoreError;
    expect(cause).toBeInstanceOf(StoreError);
    expect(cause).toMatchObject({ message: 'write failed', code: 'STORE', retryable: true });
    expect(cause.stack).toBe(store.stack);

    const root = cause.cause as Error & { code?: string };
    expect(root).toBeInstanceOf(Error);
    expect(root).not.toBeInstanceOf(WaymarkError);
    expect(root.message).toBe('socket hang up');
    expect(root.code).toBe('ECONNRESET');
    expect(root.cause).toBeUndefined();
  });

  it('serializes a non-Error cause as a message', () => {
    const back = roundTrip(new WaymarkError('X', 'outer', { cause: 'inner text' }));
    expect((back.cause as Error).message).toBe('inner text');
  });

  it('stops at a bounded depth on a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.defineProperty(a, 'cause', { value: b });
    let serialized: SerializedError | undefined = serializeError(a);
    let depth = 0;
    while (serialized !== undefined) {
      depth++;
      serialized = serialized.cause;
    }
    expect(depth).toBeGreaterThan(1);
    expect(depth).toBeLessThanOrEqual(10);
  });

  it('keeps the code of a plain Error (Node system errors like ECONNRESET) and treats it as retryable', () => {
    const error = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const serialized = serializeError(error);
    expect(serialized).toMatchObject({ type: 'Error', code: 'ECONNRESET', retryable: true });
    const back = deserializeError(serialized) as Error & { code?: string };
    expect(back).toBeInstanceOf(Error);
    expect(back.code).toBe('ECONNRESET');
    expect(back.message).toBe('read ECONNRESET');
    expect(back.stack).toBe(error.stack);
  });

  it('gives a plain Error without a string code the STEP_FAILED code', () => {
    expect(serializeError(new Error('x')).code).toBe('STEP_FAILED');
    expect(serializeError(Object.assign(new Error('x'), { code: 42 })).code).toBe('STEP_FAILED');
  });

  it('keeps the type name of foreign errors, rebuilt as plain Errors', () => {
    class PaymentDeclined extends Error {
      override name = 'PaymentDeclined';
    }
    for (const error of [new TypeError('x is not a function'), new PaymentDeclined('declined')]) {
      const back = roundTrip(error);
      expect(back).toBeInstanceOf(Error);
      expect(back.name).toBe(error.name);
      expect(back.message).toBe(error.message);
      expect(serializeError(error).type).toBe(error.name);
    }
  });

  it.each([
    ['a string', 'boom', 'boom'],
    ['a number', 42, '42'],
    ['an object', { reason: 'nope' }, '{"reason":"nope"}'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a bigint', 10n, '10'],
  ])('turns a thrown non-Error value (%s) into an Error', (_what, value, message) => {
    const serialized = serializeError(value);
    expect(serialized).toEqual({ type: 'Error', code: 'STEP_FAILED', message, retryable: true });
    const back = roundTrip(value);
    expect(back).toBeInstanceOf(Error);
    expect(back.message).toBe(message);
  });

  it('does not throw on a circular non-Error value', () => {
    const value: Record<string, unknown> = {};
    value['self'] = value;
    expect(serializeError(value).message).toBe('[object Object]');
  });

  it('takes a least retry delay from any error: retryAfterMs, or retryAfter as a duration text', () => {
    const withMs = Object.assign(new Error('429'), { retryAfterMs: 2_000 });
    expect(serializeError(withMs).retryAfterMs).toBe(2_000);
    const withText = Object.assign(new Error('429'), { retryAfter: '1m30s' });
    expect(serializeError(withText).retryAfterMs).toBe(90_000);
    // A bare number is ambiguous (seconds or milliseconds?), bad text is no duration.
    for (const retryAfter of [30, '120', ' 1.5 ', 'soon', -1]) {
      expect(serializeError(Object.assign(new Error('x'), { retryAfter })).retryAfterMs).toBe(
        undefined,
      );
    }
    expect(serializeError(Object.assign(new Error('x'), { retryAfterMs: -5 })).retryAfterMs).toBe(
      undefined,
    );
  });
});
