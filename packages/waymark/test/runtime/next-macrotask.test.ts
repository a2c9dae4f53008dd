import { describe, expect, it } from 'vitest';
import { onNextMacrotask } from '../../src/runtime/next-macrotask.ts';

describe('onNextMacrotask', () => {
  it('runs callbacks after the current turn and its microtasks, in queue order', async () => {
    const order: string[] = [];
    onNextMacrotask(() => order.push('a'));
    onNextMacrotask(() => {
      order.push('b');
      onNextMacrotask(() => order.push('d'));
    });
    void Promise.resolve().then(() => order.push('microtask'));
    order.push('sync');
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(order.slice(0, 4)).toEqual(['sync', 'microtask', 'a', 'b']);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(order).toEqual(['sync', 'microtask', 'a', 'b', 'd']);
  });
});
