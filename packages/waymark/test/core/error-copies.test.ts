/**
 * Errors made by another copy of the library (a workflow module loaded as CommonJS beside the
 * CLI's ESM copy, or a second install) are still instances of this copy's classes.
 */
import { describe, expect, it } from 'vitest';
import * as errors from '../../src/core/errors.ts';
import {
  ChildWorkflowError,
  NonRetryableError,
  RetryableError,
  WaymarkError,
} from '../../src/core/errors.ts';
import { deserializeError, serializeError } from '../../src/core/serialize-error.ts';
import { WorkflowValidationError } from '../../src/dsl/diagnostics.ts';

// A second instance of the module, as another copy of the package would load it.
const other = (await import(
  // @ts-expect-error -- the query makes the bundler load a separate instance of the module
  '../../src/core/errors.ts?second-copy'
)) as typeof errors;

describe('Waymark errors across copies of the library', () => {
  it('is a separate copy of the classes', () => {
    expect(other.NonRetryableError).not.toBe(NonRetryableError);
  });

  it('recognises an error of the other copy as an instance of its class and its parents', () => {
    const error = new other.NonRetryableError('stop');
    expect(error instanceof NonRetryableError).toBe(true);
    expect(error instanceof WaymarkError).toBe(true);
    expect(error instanceof Error).toBe(true);
    expect(error instanceof RetryableError).toBe(false);
    expect(error instanceof ChildWorkflowError).toBe(false);
    expect(new NonRetryableError('x') instanceof other.NonRetryableError).toBe(true);
  });

  it('serializes it as what it is: not retryable, or with its retryAfter', () => {
    expect(serializeError(new other.NonRetryableError('stop'))).toMatchObject({
      type: 'NonRetryableError',
      code: 'NON_RETRYABLE',
      retryable: false,
    });
    const later = new other.RetryableError('busy', { retryAfterMs: 1500 });
    expect(serializeError(later)).toMatchObject({ retryable: true, retryAfterMs: 1500 });
  });

  it('lets the other copy recognise an error this copy rebuilt from storage', () => {
    const stored = serializeError(new ChildWorkflowError('child failed', 'run-1'));
    const rebuilt = deserializeError(stored);
    expect(rebuilt instanceof other.ChildWorkflowError).toBe(true);
    expect(rebuilt instanceof other.WaymarkError).toBe(true);
    expect(rebuilt instanceof other.ValidationError).toBe(false);
  });

  it('keeps a subclass defined elsewhere to the usual prototype check', () => {
    class Mine extends WaymarkError {}
    expect(new Mine('X', 'm') instanceof WaymarkError).toBe(true);
    expect(new other.WaymarkError('X', 'm') instanceof Mine).toBe(false);
    expect(new Mine('X', 'm') instanceof other.WaymarkError).toBe(true);
  });

  it('answers false for values that are not errors', () => {
    for (const value of [null, undefined, 1, 'NonRetryableError', {}, new Error('x')]) {
      expect(value instanceof NonRetryableError).toBe(false);
    }
  });

  it('brands every error class Waymark exports, by its exported name', () => {
    const brand = Symbol.for('waymark.errorClass');
    const classes = Object.entries({ ...errors, WorkflowValidationError }).filter(
      ([, value]) => typeof value === 'function' && value.prototype instanceof Error,
    ) as unknown as Array<[string, { prototype: Record<symbol, unknown> }]>;
    expect(classes.length).toBeGreaterThanOrEqual(14);
    for (const [name, errorClass] of classes) {
      expect(Object.hasOwn(errorClass.prototype, brand), name).toBe(true);
      expect(errorClass.prototype[brand]).toBe(`waymark.${name}`);
    }
  });
});
