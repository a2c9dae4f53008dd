import { describe, expect, it } from 'vitest';
import { findNonJsonValue } from '../../src/core/json-value.ts';

describe('findNonJsonValue', () => {
  it.each([
    ['a string', 'x'],
    ['a number', 1.5],
    ['a boolean', false],
    ['null', null],
    ['undefined at the top (a step that returns nothing)', undefined],
    ['nested plain data', { a: [1, 'two', { three: null }], b: { c: true } }],
    ['an object with undefined properties (JSON drops them)', { a: undefined, b: 1 }],
    ['a Date (stored as its ISO string)', { at: new Date(0) }],
    ['a null-prototype object', Object.assign(Object.create(null) as object, { a: 1 })],
  ])('accepts %s', (_what, value) => {
    expect(findNonJsonValue(value)).toBeNull();
  });

  it('accepts the same object reached twice without a cycle', () => {
    const shared = { id: 1 };
    expect(findNonJsonValue({ a: shared, b: [shared, shared] })).toBeNull();
  });

  it.each([
    ['a bigint', { order: { total: 10n } }, '$.order.total is a bigint'],
    ['a function', { handlers: [() => 1] }, '$.handlers[0] is a function'],
    ['a symbol', { tag: Symbol('x') }, '$.tag is a symbol'],
    ['NaN', { stats: { mean: Number.NaN } }, '$.stats.mean is NaN, which JSON cannot hold'],
    ['Infinity', [1, Number.POSITIVE_INFINITY], '$[1] is Infinity, which JSON cannot hold'],
    ['undefined in an array (JSON turns it into null)', [1, undefined], '$[1] is undefined'],
    ['a Map', { cache: new Map() }, '$.cache is a Map instance, not plain data'],
    ['a top-level bigint', 1n, '$ is a bigint'],
  ])('names the path of %s', (_what, value, message) => {
    expect(findNonJsonValue(value)).toBe(message);
  });

  it('names the class of a class instance', () => {
    class Invoice {
      total = 1;
    }
    expect(findNonJsonValue({ invoices: [{}, new Invoice()] })).toBe(
      '$.invoices[1] is a Invoice instance, not plain data',
    );
  });

  it('finds a circular reference and where it closes', () => {
    const node: Record<string, unknown> = { name: 'root', children: [] };
    (node['children'] as unknown[]).push({ parent: node });
    expect(findNonJsonValue(node)).toBe('$.children[0].parent is a circular reference');
  });

  it('finds an array that contains itself', () => {
    const list: unknown[] = [1];
    list.push(list);
    expect(findNonJsonValue(list)).toBe('$[1] is a circular reference');
  });

  it('uses the path prefix it is given', () => {
    expect(findNonJsonValue({ n: 1n }, 'output')).toBe('output.n is a bigint');
  });

  it('reports the first bad value in order', () => {
    expect(findNonJsonValue({ a: 1, b: 2n, c: () => 3 })).toBe('$.b is a bigint');
  });
});
