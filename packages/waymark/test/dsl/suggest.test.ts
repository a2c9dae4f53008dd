import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from '../../src/dsl/suggest.ts';

describe('suggestions', () => {
  it('counts edits, a transposition as one', () => {
    expect(editDistance('foreach', 'forech')).toBe(1);
    expect(editDistance('with', 'wiht')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests only plausible typos', () => {
    const kinds = ['uses', 'steps', 'parallel', 'foreach', 'switch', 'run', 'wait', 'loop'];
    expect(closestMatch('parralel', kinds)).toBe('parallel');
    expect(closestMatch('Foreach', kinds)).toBe('foreach');
    expect(closestMatch('banana', kinds)).toBeUndefined();
  });
});
