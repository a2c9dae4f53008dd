import { describe, expect, it } from 'vitest';
import {
  compileExpression,
  compileTemplate,
  EXPRESSION_LIMITS,
} from '../../../src/dsl/expressions/index.ts';
import { declaration, scope } from './fixtures.ts';

const withAny = (any: unknown) => scope({ inputs: { ...scope().inputs, any } });

/** What happens when `source` is compiled and evaluated: a value, or the error's message. */
function outcome(source: string, values = scope()): unknown {
  const { expression, diagnostics } = compileExpression(source, declaration);
  if (expression === undefined) return { diagnostic: diagnostics[0]?.message };
  try {
    return { value: expression.evaluate(values) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('limits', () => {
  it('rejects an expression longer than the length limit', () => {
    const long = `inputs.n + ${'1 + '.repeat(600)}1`;
    expect(long.length).toBeGreaterThan(EXPRESSION_LIMITS.maxLength);
    expect(compileExpression(long, declaration).diagnostics).toEqual([
      { message: `expression is ${long.length} characters long; the limit is 2000`, offset: 0 },
    ]);
  });

  it('rejects nesting deeper than the depth limit and accepts it just below', () => {
    const nested = (n: number): string => `${'['.repeat(n)}1${']'.repeat(n)}`;
    const { diagnostics } = compileTemplate(`x \${ ${nested(40)} }`, declaration);
    expect(diagnostics[0]?.message).toBe(
      'expression nests deeper than 32 levels (the depth limit)',
    );
    expect(compileExpression(nested(20), declaration).diagnostics).toEqual([]);
  });

  it('rejects a template with more expressions than the limit, at the first one over', () => {
    const text = Array.from({ length: 51 }, (_, i) => `\${inputs.n + ${i}}`).join(',');
    const { template, diagnostics } = compileTemplate(text, declaration);
    expect(template).toBeUndefined();
    expect(diagnostics[0]?.message).toBe('template has 51 expressions; the limit is 50');
    expect(diagnostics[0]?.offset).toBe(text.lastIndexOf('${'));
    expect(compileTemplate(text.slice(0, text.lastIndexOf(',')), declaration).diagnostics).toEqual(
      [],
    );
  });

  it('stops a comprehension nested in comprehensions at the cost limit', () => {
    const list = Array.from({ length: 200 }, (_, i) => i);
    const started = Date.now();
    const result = outcome(
      'inputs.any.map(a, inputs.any.map(b, inputs.any.filter(c, c == a + b)))',
      withAny(list),
    );
    expect(result).toEqual({
      error: expect.stringMatching(
        /expression limit exceeded: evaluation took more than 1000000 steps/,
      ),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops the cost limit even inside exists(), which defers errors', () => {
    const list = Array.from({ length: 300 }, (_, i) => i);
    expect(
      outcome(
        'inputs.any.exists(a, inputs.any.exists(b, inputs.any.exists(c, c < 0)))',
        withAny(list),
      ),
    ).toEqual({ error: expect.stringMatching(/cost limit/) });
  });

  it('evaluates a comprehension well within the limit', () => {
    const list = Array.from({ length: 1_000 }, (_, i) => i);
    expect(outcome('inputs.any.filter(x, x % 2 == 0).size()', withAny(list))).toEqual({
      value: 500,
    });
  });

  it('stops a string that doubles itself at the size limit', () => {
    let source = 'inputs.version';
    for (let i = 0; i < 15; i++)
      source = `cel.bind(s${i}, ${source}, s${i} + s${i} + s${i} + s${i})`;
    const values = scope({ inputs: { ...scope().inputs, version: 'x'.repeat(100) } });
    expect(outcome(source, values)).toEqual({
      error: expect.stringMatching(/a string built by \+ exceeds 1000000 characters/),
    });
  });
});

describe('escape attempts', () => {
  const attempts = [
    'inputs.__proto__',
    'inputs.constructor',
    'inputs.constructor.constructor("return 1")',
    'inputs.config.constructor',
    'inputs.config.__proto__',
    'inputs.config["constructor"]',
    'inputs.config.prototype',
    'inputs.tags.constructor',
    '{}.constructor',
    '{}["constructor"]["constructor"]("return process")()',
    '"".constructor',
    'this',
    'this.constructor',
    'globalThis',
    'process.env',
    'constructor',
    'steps.build.output.constructor.constructor("return 1")()',
    'steps.build.output.__proto__',
    'run.constructor',
    'secrets.__proto__',
  ];

  it.each(attempts)('%s is rejected or inert', (source) => {
    const result = outcome(source) as { value?: unknown };
    // Never a value: each one is a compile diagnostic or an evaluation error.
    expect(result).not.toHaveProperty('value');
    expect(JSON.stringify(result)).not.toMatch(/function|\[native code\]/);
  });

  it('reads a data key named __proto__ or constructor as plain data', () => {
    const data = JSON.parse('{"__proto__": {"polluted": true}, "constructor": "c"}') as unknown;
    expect(outcome('inputs.any["__proto__"].polluted', withAny(data))).toEqual({ value: true });
    expect(outcome('inputs.any["constructor"]', withAny(data))).toEqual({ value: 'c' });
    const result = outcome('inputs.any', withAny(data)) as { value: Record<string, unknown> };
    expect(Object.keys(result.value)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects values that are not JSON', () => {
    expect(
      outcome(
        'inputs.any',
        withAny(() => 1),
      ),
    ).toEqual({
      error: expect.stringMatching(/type function cannot be used in an expression/),
    });
  });
});

describe('hostile data', () => {
  const nestedObject = (depth: number): unknown => {
    let deep: unknown = { leaf: 'bottom' };
    for (let i = 0; i < depth; i++) deep = { next: deep };
    return deep;
  };

  it('fails cleanly and quickly on a 10,000-deep nested input, naming the limit', () => {
    const started = Date.now();
    for (const source of ['inputs.any.next.next != null', 'inputs.any']) {
      expect(outcome(source, withAny(nestedObject(10_000)))).toEqual({
        error: expect.stringMatching(/a value in scope nests deeper than 1000 levels/),
      });
    }
    let list: unknown = [1];
    for (let i = 0; i < 10_000; i++) list = [list];
    expect(outcome('size(inputs.any)', withAny(list))).toEqual({
      error: expect.stringMatching(/nests deeper than 1000 levels/),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('works over an input nested just within the limit, in and out', () => {
    const deep = nestedObject(EXPRESSION_LIMITS.maxValueDepth - 1);
    expect(outcome('inputs.any.next.next.next != null', withAny(deep))).toEqual({ value: true });
    expect(outcome('inputs.any', withAny(deep))).toEqual({ value: deep });
  });

  it('fails cleanly on a value with more parts than the limit', () => {
    const huge = Array.from({ length: EXPRESSION_LIMITS.maxValueNodes + 1 }, () => 0);
    expect(outcome('size(inputs.any)', withAny(huge))).toEqual({
      error: expect.stringMatching(/a value in scope has more than 1000000 parts/),
    });
  });

  it('never reads a step output nobody references', () => {
    const poisoned = scope({
      steps: {
        ...scope().steps,
        build: { output: () => 'not JSON', status: 'succeeded', error: null },
      },
    });
    expect(outcome('steps.count.output.n', poisoned)).toEqual({ value: 3 });
  });
});

describe('expressions found in data', () => {
  it('are never evaluated: a string value holding ${ … } comes out literally', () => {
    const injected = '${ inputs.n * 1000 } and ${secrets.TOKEN}';
    const values = scope({
      inputs: { ...scope().inputs, version: injected },
      steps: { ...scope().steps, build: { output: { text: injected }, status: 'ok', error: null } },
    });
    const t = compileTemplate('v=${inputs.version}|o=${steps.build.output.text}', declaration);
    expect(t.template?.evaluate(values)).toBe(`v=${injected}|o=${injected}`);
    expect(compileTemplate('${inputs.version}', declaration).template?.evaluate(values)).toBe(
      injected,
    );
  });
});
