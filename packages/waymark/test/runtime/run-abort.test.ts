import { describe, expect, it } from 'vitest';
import { RunAbort } from '../../src/runtime/run-abort.ts';

describe('RunAbort', () => {
  it('aborts a signal handed out before the abort, with the reason', () => {
    const abort = new RunAbort();
    const signal = abort.signal;
    expect(signal.aborted).toBe(false);
    const reason = new Error('cancelled');
    abort.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
  });

  it('hands out an already aborted signal and a rejected promise after the abort', async () => {
    const abort = new RunAbort();
    const reason = new Error('ended');
    abort.abort(reason);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe(reason);
    await expect(abort.aborted).rejects.toBe(reason);
  });

  it('rejects the promise taken before the abort, and keeps the first reason', async () => {
    const abort = new RunAbort();
    const aborted = abort.aborted;
    const first = new Error('first');
    abort.abort(first);
    abort.abort(new Error('second'));
    await expect(aborted).rejects.toBe(first);
    expect(abort.signal.reason).toBe(first);
  });

  it('returns the same signal and promise every time', () => {
    const abort = new RunAbort();
    expect(abort.signal).toBe(abort.signal);
    expect(abort.aborted).toBe(abort.aborted);
  });

  it('makes a reason given as a function only when someone observes it, and once', async () => {
    const abort = new RunAbort();
    let made = 0;
    const reason = new Error('ended');
    abort.abort(() => {
      made++;
      return reason;
    });
    expect(made).toBe(0);
    expect(abort.signal.reason).toBe(reason);
    await expect(abort.aborted).rejects.toBe(reason);
    expect(made).toBe(1);
  });

  it('makes a lazy reason at once for a signal already handed out', () => {
    const abort = new RunAbort();
    const signal = abort.signal;
    abort.abort(() => new Error('cancelled'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('cancelled');
  });
});
