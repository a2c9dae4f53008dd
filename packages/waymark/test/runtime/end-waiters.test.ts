import { describe, expect, it } from 'vitest';
import type { EndedRun } from '../../src/core/run.ts';
import { EndWaiters } from '../../src/runtime/end-waiters.ts';

const ended: EndedRun = { id: 'r1', status: 'completed', output: 1, error: null };

describe('EndWaiters', () => {
  it('hands the end to every waiter of the run, once, and forgets the run', async () => {
    const waiters = new EndWaiters();
    const first = waiters.wait('r1');
    const second = waiters.wait('r1');
    const other = waiters.wait('r2');
    expect(waiters.runIds()).toEqual(['r1', 'r2']);
    waiters.notify('r1', ended);
    expect(await first.ended).toBe(ended);
    expect(await second.ended).toBe(ended);
    expect(waiters.runIds()).toEqual(['r2']);
    waiters.notify('r2', undefined);
    expect(await other.ended).toBeUndefined();
    expect(waiters.size).toBe(0);
  });

  it('takes one waiter back and keeps the others; the last one taken back forgets the run', async () => {
    const waiters = new EndWaiters();
    const first = waiters.wait('r1');
    const second = waiters.wait('r1');
    waiters.withdraw('r1', first.resolver);
    expect(waiters.size).toBe(1);
    waiters.withdraw('r1', second.resolver);
    expect(waiters.size).toBe(0);
    const third = waiters.wait('r1');
    waiters.withdraw('r1', first.resolver); // already gone: changes nothing
    waiters.notify('r1', ended);
    expect(await third.ended).toBe(ended);
    waiters.withdraw('r1', third.resolver); // after the end: nothing left to take back
    expect(waiters.size).toBe(0);
  });
});
