import { describe, expect, it } from 'vitest';
import { uuidv4, uuidv7 } from '../../src/core/ids.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The 48-bit ms timestamp at the front of a UUIDv7. */
function timestampOf(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

// uuidv7 keeps per-process state (the last ms and sequence), so every test uses times later
// than the one before it; vitest gives each test file its own module instance.
const BASE = Date.UTC(2030, 0, 1);

describe('uuidv7', () => {
  it('has the RFC 9562 layout: version 7, variant 10, the time in the first 48 bits', () => {
    const id = uuidv7(BASE);
    expect(id).toMatch(UUID_V7);
    expect(timestampOf(id)).toBe(BASE);
  });

  it('sorts by creation time, as text', () => {
    const times = [BASE + 1_000, BASE + 1_001, BASE + 60_000, BASE + 86_400_000];
    const ids = times.map((t) => uuidv7(t));
    expect([...ids].sort()).toEqual(ids);
    expect(ids.map(timestampOf)).toEqual(times);
  });

  it('is strictly increasing for many ids in the same ms', () => {
    const now = BASE + 100_000_000;
    const ids = Array.from({ length: 5_000 }, () => uuidv7(now));
    for (let i = 1; i < ids.length; i++) {
      expect(ids[i]! > ids[i - 1]!, `${ids[i]} > ${ids[i - 1]}`).toBe(true);
    }
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stays increasing when the clock steps backwards', () => {
    const later = uuidv7(BASE + 200_000_000);
    const earlier = uuidv7(BASE + 199_000_000);
    expect(earlier > later).toBe(true);
  });

  it('stays increasing when the ms moves on after the sequence was used up', () => {
    const now = BASE + 300_000_000;
    const burst = Array.from({ length: 4_200 }, () => uuidv7(now));
    const next = uuidv7(now + 1);
    expect(next > burst[burst.length - 1]!).toBe(true);
  });
});

describe('uuidv4', () => {
  it('is a random RFC 4122 version 4 uuid', () => {
    const a = uuidv4();
    expect(a).toMatch(UUID_V4);
    expect(uuidv4()).not.toBe(a);
  });
});
