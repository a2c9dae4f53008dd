import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/cli-error.ts';
import { parseInput } from '../../src/cli/parse-input.ts';

describe('parseInput', () => {
  it('is {} without any input option, so a schema reports every missing field', () => {
    expect(parseInput([])).toEqual({});
  });

  it('parses values as JSON when they parse, and keeps them as strings otherwise', () => {
    expect(
      parseInput([
        'name=world',
        'count=3',
        'ratio=0.5',
        'on=true',
        'off=false',
        'nothing=null',
        'list=[1,"a"]',
        'obj={"a":1}',
        'quoted="007"',
        'code=007x',
        'empty=',
        'text=hello world',
      ]),
    ).toEqual({
      name: 'world',
      count: 3,
      ratio: 0.5,
      on: true,
      off: false,
      nothing: null,
      list: [1, 'a'],
      obj: { a: 1 },
      quoted: '007',
      code: '007x',
      empty: '',
      text: 'hello world',
    });
  });

  it('splits only at the first "=", so values may contain "="', () => {
    expect(parseInput(['query=a=b'])).toEqual({ query: 'a=b' });
  });

  it('makes nested objects from dotted keys', () => {
    expect(parseInput(['a.b=1', 'a.c.d=x', 'e=2'])).toEqual({ a: { b: 1, c: { d: 'x' } }, e: 2 });
  });

  it('lets a later pair for the same key win', () => {
    expect(parseInput(['n=1', 'n=2'])).toEqual({ n: 2 });
  });

  it('takes the whole input from --input-json, any JSON value when alone', () => {
    expect(parseInput([], '{"user":{"id":7,"tags":["x"]}}')).toEqual({
      user: { id: 7, tags: ['x'] },
    });
    expect(parseInput([], '"just text"')).toBe('just text');
  });

  it('merges pairs into --input-json, pairs winning, nested objects merged', () => {
    expect(
      parseInput(['user.admin=true', 'user.id=8', 'x=1'], '{"user":{"id":7,"name":"a"},"x":0}'),
    ).toEqual({
      user: { id: 8, name: 'a', admin: true },
      x: 1,
    });
    // A pair replaces a JSON value that is not an object on its path.
    expect(parseInput(['a.b=1'], '{"a":5}')).toEqual({ a: { b: 1 } });
  });

  it.each([
    ['novalue', 'expected key=value'],
    ['=1', 'expected key=value'],
    ['a..b=1', 'empty segment'],
    ['.a=1', 'empty segment'],
    ['a.=1', 'empty segment'],
    ['__proto__.x=1', 'not allowed'],
    ['a.constructor=1', 'not allowed'],
  ])('rejects --input %j as a usage error (%s)', (pair, message) => {
    expect(() => parseInput([pair])).toThrow(UsageError);
    expect(() => parseInput([pair])).toThrow(message);
  });

  it('rejects a pair that would nest under a scalar set by another pair, and vice versa', () => {
    expect(() => parseInput(['a=1', 'a.b=2'])).toThrow(
      /"a" is already set to a value that is not an object/,
    );
    expect(() => parseInput(['a.b=1', 'a=2'])).toThrow(/"a" already has nested keys/);
  });

  it('rejects --input-json that is not JSON, or not an object when combined with pairs', () => {
    expect(() => parseInput([], '{name:1}')).toThrow(/invalid --input-json/);
    expect(() => parseInput(['a=1'], '[1,2]')).toThrow(/must be a JSON object/);
  });
});
