import { describe, expect, it } from 'vitest';
import { isTemplate, parseTemplate } from '../../../src/dsl/expressions/index.ts';

describe('parseTemplate', () => {
  it('splits text and expressions, with each expression offset into the original string', () => {
    const text = 'v${ inputs.version }-${inputs.n}';
    const { parts, error } = parseTemplate(text);
    expect(error).toBeUndefined();
    expect(parts).toEqual([
      { kind: 'text', text: 'v' },
      { kind: 'expr', source: ' inputs.version ', offset: 3 },
      { kind: 'text', text: '-' },
      { kind: 'expr', source: 'inputs.n', offset: 23 },
    ]);
    expect(text.slice(23, 23 + 'inputs.n'.length)).toBe('inputs.n');
  });

  it('reads $${ as a literal ${ and evaluates nothing in it', () => {
    expect(parseTemplate('cost: $${HOME} and ${ a }')).toEqual({
      parts: [
        { kind: 'text', text: 'cost: ${HOME} and ' },
        { kind: 'expr', source: ' a ', offset: 21 },
      ],
    });
    expect(parseTemplate('$${a}').parts).toEqual([{ kind: 'text', text: '${a}' }]);
  });

  it('does not end an expression at a brace inside a string literal', () => {
    for (const source of [' "}" ', " '}' ", ' """a } b""" ', ' r"\\}" ', ' "\\"}" ']) {
      const { parts, error } = parseTemplate(`x\${${source}}y`);
      expect(error).toBeUndefined();
      expect(parts).toEqual([
        { kind: 'text', text: 'x' },
        { kind: 'expr', source, offset: 3 },
        { kind: 'text', text: 'y' },
      ]);
    }
  });

  it('counts the braces of map literals', () => {
    expect(parseTemplate('${ {"a": {"b": 1}}.a }').parts).toEqual([
      { kind: 'expr', source: ' {"a": {"b": 1}}.a ', offset: 2 },
    ]);
  });

  it('reports an unterminated ${ at its offset', () => {
    expect(parseTemplate('abc ${ inputs.x').error).toEqual({
      message: 'unterminated `${`: no closing `}`',
      offset: 4,
    });
    expect(parseTemplate('ab ${ "}').error?.offset).toBe(6);
    expect(parseTemplate('${}').error?.message).toMatch(/empty expression/);
  });

  it('isTemplate tells whether a string holds ${', () => {
    expect(isTemplate('plain text, $HOME, {x}')).toBe(false);
    expect(isTemplate('v${x}')).toBe(true);
  });
});
