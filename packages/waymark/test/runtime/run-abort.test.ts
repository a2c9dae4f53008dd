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

  it('hands out an already aborted signal, and fails a race at once, after the abort', async () => {
    const abort = new RunAbort();
    const reason = new Error('ended');
    abort.abort(reason);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe(reason);
    await expect(abort.race(new Promise(() => {}))).rejects.toBe(reason);
  });

  it('fails a race in progress with the first reason; a settled race is not touched', async () => {
    const abort = new RunAbort();
    const done = abort.race(Promise.resolve('done'));
    const failed = abort.race(Promise.reject(new Error('step failed')));
    const running = abort.race(new Promise(() => {}));
    expect(await done).toBe('done');
    await expect(failed).rejects.toThrow('step failed');
    const first = new Error('first');
    abort.abort(first);
    abort.abort(new Error('second'));
    await expect(running).rejects.toBe(first);
    expect(abort.signal.reason).toBe(first);
  });

  it('returns the same signal every time', () => {
    const abort = new RunAbort();
    expect(abort.signal).toBe(abort.signal);
  });

  it('makes a reason given as a function only when someone observes it, and once', async () => {
    const abort = new RunAbort();
    let made = 0;
    const reason = new Error('ended');
    // A race that settled before the abort observes nothing.
    await abort.race(Promise.resolve(1));
    abort.abort(() => {
      made++;
      return reason;
    });
    expect(made).toBe(0);
    expect(abort.signal.reason).toBe(reason);
    await expect(abort.race(Promise.resolve(2))).rejects.toBe(reason);
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
