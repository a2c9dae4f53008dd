import { describe, expect, it } from 'vitest';
import { WakeTimes } from '../../src/runtime/wake-times.ts';

describe('WakeTimes', () => {
  it('hands out times earliest first, dropping every time up to the one given', () => {
    const times = new WakeTimes();
    expect(times.peek()).toBeNull();
    for (const t of [50, 10, 40, 10, 30, 20]) times.add(t);
    expect(times.peek()).toBe(10);
    times.dropUntil(10);
    expect([times.peek(), times.size]).toEqual([20, 4]);
    times.dropUntil(35);
    expect([times.peek(), times.size]).toEqual([40, 2]);
    times.dropUntil(100);
    expect([times.peek(), times.size]).toEqual([null, 0]);
  });

  it('keeps order over many random times, and holds 200,000 of them', () => {
    const times = new WakeTimes();
    // A fixed pseudo-random sequence (LCG), so a failure can be replayed.
    let seed = 42;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    const added = Array.from({ length: 200_000 }, () => next() % 1_000_000);
    for (const t of added) times.add(t);
    const sorted = [...added].sort((a, b) => a - b);
    const seen: number[] = [];
    while (times.peek() !== null) {
      const t = times.peek() as number;
      seen.push(t);
      times.dropUntil(t);
    }
    expect(seen).toEqual([...new Set(sorted)]);
  });
});
