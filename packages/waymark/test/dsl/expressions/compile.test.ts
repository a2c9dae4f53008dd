import { describe, expect, it } from 'vitest';
import { WaymarkError } from '../../../src/core/errors.ts';
import {
  compileExpression,
  compileTemplate,
  type CompiledTemplate,
  type ExpressionScope,
} from '../../../src/dsl/expressions/index.ts';
import { declaration, scope } from './fixtures.ts';

function template(text: string, expect?: 'bool'): CompiledTemplate {
  const result = compileTemplate(text, declaration, expect === undefined ? {} : { expect });
  if (result.template === undefined) {
    throw new Error(`did not compile: ${JSON.stringify(result.diagnostics)}`);
  }
  return result.template;
}

const evaluate = (text: string, values: ExpressionScope = scope()): unknown =>
  template(text).evaluate(values);

function evaluationError(text: string, values: ExpressionScope = scope()): WaymarkError {
  try {
    template(text).evaluate(values);
  } catch (error) {
    expect(error).toBeInstanceOf(WaymarkError);
    return error as WaymarkError;
  }
  throw new Error(`${text} did not fail`);
}

describe('conditions', () => {
  it('accepts a bool condition and evaluates it', () => {
    const t = template('${ inputs.n > 2 && inputs.flag }', 'bool');
    expect(t.resultType).toBe('bool');
    expect(t.evaluate(scope())).toBe(true);
    expect(t.evaluate(scope({ inputs: { ...scope().inputs, n: 1 } }))).toBe(false);
  });

  it('rejects a non-bool condition, at its ${', () => {
    const { template: t, diagnostics } = compileTemplate('${ inputs.version }', declaration, {
      expect: 'bool',
    });
    expect(t).toBeUndefined();
    expect(diagnostics).toEqual([{ message: 'condition must be bool, got string', offset: 0 }]);
  });

  it('rejects text around a condition: it makes the value a string', () => {
    const { diagnostics } = compileTemplate('x ${ inputs.flag }', declaration, { expect: 'bool' });
    expect(diagnostics[0]?.message).toMatch(/^condition must be bool, got string/);
  });

  it('lets a dyn step output through the check and checks the value when evaluated', () => {
    const t = template('${ steps.count.output.n }', 'bool');
    expect(t.resultType).toBe('dyn');
    expect(() => t.evaluate(scope())).toThrow(/condition must be bool, got int/);
    expect(template('${ steps.count.output.n == 3 }', 'bool').evaluate(scope())).toBe(true);
  });

  it('reports a type error inside the expression at its offset in the template', () => {
    const { diagnostics } = compileTemplate('abc ${ inputs.n + "x" }', declaration);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]?.message).toMatch(/no such overload: int \+ string/);
    expect(diagnostics[0]?.offset).toBe(7);
  });

  it('reports a syntax error at its offset', () => {
    const { diagnostics } = compileTemplate('ab ${ inputs.n + }', declaration);
    expect(diagnostics[0]?.message).toMatch(/Unexpected token/);
    expect(diagnostics[0]?.offset).toBe(17);
  });
});

describe('interpolation', () => {
  it('interpolates text around expressions into a string', () => {
    expect(evaluate('v${inputs.version}-${inputs.n}')).toBe('v1.2.3-3');
    expect(template('v${inputs.version}').resultType).toBe('string');
  });

  it('keeps the type of a value that is exactly one expression', () => {
    expect(evaluate('${inputs.n}')).toBe(3);
    expect(evaluate('${ inputs.flag }')).toBe(true);
    expect(evaluate('${inputs.config}')).toEqual({ region: 'eu', replicas: 2 });
    expect(evaluate('${inputs.tags}')).toEqual(['a', 'b']);
    expect(evaluate('${ {"a": [1, 2.5], "b": null} }')).toEqual({ a: [1, 2.5], b: null });
    expect(template('${inputs.n}').resultType).toBe('int');
    expect(template('${inputs.tags}').resultType).toBe('list');
    expect(template('${inputs.config}').resultType).toBe('map');
  });

  it('writes maps and lists as JSON and null as nothing inside text', () => {
    expect(evaluate('tags=${inputs.tags} cfg=${inputs.config} any=${inputs.any}.')).toBe(
      'tags=["a","b"] cfg={"region":"eu","replicas":2} any=.',
    );
  });

  it('leaves text without expressions as it is', () => {
    expect(evaluate('just text, $${not} evaluated')).toBe('just text, ${not} evaluated');
  });
});

describe('integers', () => {
  it('multiplies an integral step output by an int literal', () => {
    expect(evaluate('${ steps.count.output.n * 2 }')).toBe(6);
  });

  it('adds to an integer input', () => {
    expect(evaluate('${ inputs.count + 1 }')).toBe(6);
    expect(template('${ inputs.count + 1 }').resultType).toBe('int');
  });

  it('does double math and mixes ints with doubles', () => {
    expect(evaluate('${ inputs.ratio * 2.0 }')).toBe(3);
    expect(evaluate('${ inputs.ratio * inputs.n }')).toBe(4.5);
    expect(evaluate('${ steps.count.output.n * 1.5 }')).toBe(4.5);
    expect(evaluate('${ steps.count.output.ratio + 1 }')).toBe(1.5);
    expect(evaluate('${ steps.count.output.n < 3.5 }')).toBe(true);
  });

  it('keeps a declared double a double even when the value is integral', () => {
    const values = scope({ inputs: { ...scope().inputs, ratio: 2 } });
    expect(evaluate('${ inputs.ratio / 4.0 }', values)).toBe(0.5);
  });

  it('divides ints as integers, the CEL way', () => {
    expect(evaluate('${ steps.count.output.n / 2 }')).toBe(1);
  });

  it('uses an integral output as a list index', () => {
    expect(evaluate('${ inputs.tags[steps.count.output.n - 2] }')).toBe('b');
  });

  it('fails clearly on an int result beyond 2^53', () => {
    const error = evaluationError('${ 9007199254740993 }');
    expect(error.message).toMatch(/beyond ±2\^53/);
    expect(evaluate('${ 9007199254740991 }')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('fails on a non-finite double result', () => {
    expect(evaluationError('${ 1.0 / 0.0 }').message).toMatch(/not a finite number/);
  });

  it('rejects an int input that is not integral when read', () => {
    const values = scope({ inputs: { ...scope().inputs, count: 2.5 } });
    expect(evaluationError('${ inputs.count + 1 }', values).message).toMatch(/not of type 'int'/);
  });
});

describe('scopes', () => {
  it('reads every scope', () => {
    const t = compileTemplate(
      '${run.id} ${vars.greeting} ${steps.build.status} ${item.name} ${iter.index} ${stage.name}/${stage.iteration}',
      { ...declaration, item: 'map', iter: true, stage: true },
    ).template;
    const values = scope({
      item: { name: 'x' },
      iter: { index: 4 },
      stage: { name: 'code', iteration: 2 },
    });
    expect(t?.evaluate(values)).toBe('run-1 hi succeeded x 4 code/2');
  });

  it('exposes a step error', () => {
    const values = scope({
      steps: {
        ...scope().steps,
        build: { output: null, status: 'failed', error: { message: 'boom' } },
      },
    });
    expect(evaluate('${ steps.build.error.message }', values)).toBe('boom');
  });

  it('makes item, iter and stage unknown outside foreach, loop and stage', () => {
    for (const name of ['item', 'iter.index', 'stage.name']) {
      const { diagnostics } = compileExpression(name, declaration);
      expect(diagnostics[0]?.message).toBe(`Unknown variable: ${name.split('.')[0]}`);
    }
  });
});

describe('unknown names', () => {
  it('names the closest declared input', () => {
    const { diagnostics } = compileTemplate('x ${ inputs.verison }', declaration);
    expect(diagnostics).toEqual([
      { message: 'No such key: verison', offset: 12, hint: 'did you mean "version"?' },
    ]);
  });

  it('names the closest step and step field', () => {
    expect(compileExpression('steps.biuld.output', declaration).diagnostics[0]?.hint).toBe(
      'did you mean "build"?',
    );
    expect(compileExpression('steps["biuld"].output', declaration).diagnostics[0]?.hint).toBe(
      'did you mean "build"?',
    );
    expect(compileExpression('steps.build.outptu', declaration).diagnostics[0]?.hint).toBe(
      'did you mean "output"?',
    );
  });

  it('lists the known names when none is close', () => {
    const { diagnostics } = compileExpression('steps.nope.output', declaration);
    expect(diagnostics[0]?.message).toBe('No such key: nope');
    expect(diagnostics[0]?.hint).toBe('steps visible here: build, count');
  });

  it('names the closest scope for an unknown variable', () => {
    expect(compileExpression('inptus.n', declaration).diagnostics[0]).toEqual({
      message: 'Unknown variable: inptus',
      offset: 0,
      hint: 'did you mean "inputs"?',
    });
  });

  it('rejects an undeclared secret', () => {
    expect(compileExpression('secrets.TOKNE', declaration).diagnostics[0]?.hint).toBe(
      'did you mean "TOKEN"?',
    );
  });
});

describe('steps and secrets', () => {
  it('are read by field and by index', () => {
    const t = template('${steps.build.output.artifact}:${secrets.TOKEN}:${steps["count"].status}');
    expect(t.evaluate(scope())).toBe('app.tar:s3cr3t:succeeded');
  });
});

describe('evaluation errors', () => {
  it('throws an EXPRESSION error quoting the expression for a missing key', () => {
    const error = evaluationError('${ steps.build.output.missing }');
    expect(error.code).toBe('EXPRESSION');
    expect(error.message).toBe(
      'expression `steps.build.output.missing` failed: No such key: missing',
    );
  });

  it('throws an EXPRESSION error for division by zero', () => {
    const error = evaluationError('${ inputs.n / 0 }');
    expect(error.code).toBe('EXPRESSION');
    expect(error.message).toMatch(/^expression `inputs\.n \/ 0` failed: division by zero/);
  });

  it('fails when a step has no recorded result yet', () => {
    const values = scope({ steps: {} });
    expect(evaluationError('${ steps.build.status }', values).code).toBe('EXPRESSION');
  });
});
