import { describe, expect, it } from 'vitest';
import { StepKeyCounter, isValidStepName, parseStepKey, stepKey } from '../../src/core/step-key.ts';

describe('StepKeyCounter', () => {
  it('keys the first occurrence by name alone and counts repeats from 2', () => {
    const keys = new StepKeyCounter();
    expect(keys.next('fetch')).toBe('fetch');
    expect(keys.next('fetch')).toBe('fetch#2');
    expect(keys.next('fetch')).toBe('fetch#3');
  });

  it('counts each name separately', () => {
    const keys = new StepKeyCounter();
    expect(['a', 'b', 'a', 'c', 'b', 'a'].map((n) => keys.next(n))).toEqual([
      'a',
      'b',
      'a#2',
      'c',
      'b#2',
      'a#3',
    ]);
  });

  it('gives the same keys on replay (a fresh counter, same call order)', () => {
    const order = ['load', 'loop', 'loop', 'loop', 'save'];
    const first = new StepKeyCounter();
    const replay = new StepKeyCounter();
    expect(order.map((n) => replay.next(n))).toEqual(order.map((n) => first.next(n)));
  });
});

describe('parseStepKey', () => {
  it('inverts stepKey', () => {
    for (const [name, occurrence] of [
      ['fetch', 1],
      ['fetch', 2],
      ['send mail', 10],
    ] as const) {
      expect(parseStepKey(stepKey(name, occurrence))).toEqual({ name, occurrence });
    }
  });

  it('reads a key without a counter as the first occurrence', () => {
    expect(parseStepKey('fetch')).toEqual({ name: 'fetch', occurrence: 1 });
  });

  it('only treats a trailing #digits as the counter', () => {
    expect(parseStepKey('fetch#x')).toEqual({ name: 'fetch#x', occurrence: 1 });
    expect(parseStepKey('a#b#12')).toEqual({ name: 'a#b', occurrence: 12 });
  });
});

describe('isValidStepName', () => {
  it.each(['fetch', 'send-mail', 'stage 1: build', 'x', 'ünïcode ✓', 'a'.repeat(200)])(
    'accepts %j',
    (name) => {
      expect(isValidStepName(name)).toBe(true);
    },
  );

  it.each(['', 'fetch#2', '#', 'a#b', ' leading space', '\tfetch', 'a'.repeat(201)])(
    'rejects %j',
    (name) => {
      expect(isValidStepName(name)).toBe(false);
    },
  );
});
