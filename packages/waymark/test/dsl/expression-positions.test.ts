/**
 * A mistake inside `${ … }` is reported where it is in the file — at the token the expression
 * layer names, or at the `${` when the problem is the whole expression — whatever the style
 * of the YAML string holding it: plain, quoted (escapes and line folding included), literal
 * or folded block. Only a block scalar with an explicit indentation indicator falls back to
 * the start of the string.
 */
import { describe, expect, it } from 'vitest';
import { loadWorkflowDocument } from '../../src/dsl/load-workflow-file.ts';

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

/** `line:column` of the one diagnostic of the workflow, and its message. */
function where(text: string): string {
  const { diagnostics } = loadWorkflowDocument(text, 'wf.yaml');
  expect(diagnostics.map((d) => d.message)).toHaveLength(1);
  const d = diagnostics[0] as (typeof diagnostics)[number];
  return `${d.line}:${d.column} ${d.message.replace(/ \(in `[\s\S]*`\)$/, '')}`;
}

/** `line:column` of the first `needle` in `text`. */
function at(text: string, needle: string): string {
  const index = text.indexOf(needle);
  if (index === -1) throw new Error(`"${needle}" not in text`);
  const before = text.slice(0, index).split('\n');
  return `${before.length}:${(before.at(-1) ?? '').length + 1}`;
}

/** A workflow whose one step logs `message`, given as YAML lines at the indentation of a key. */
function logging(...message: string[]): string {
  return lines(
    'id: wf',
    'inputs: { name: { type: string, default: x } }',
    'steps:',
    '  - id: say',
    '    uses: log',
    '    with:',
    ...message.map((l) => `      ${l}`),
  );
}

const NOPE = 'No such key: nope';

describe('positions of expression errors', () => {
  it('plain scalars, on one line and folded over several', () => {
    const one = logging('message: Hello ${ inputs.nope }');
    expect(where(one)).toBe(`${at(one, 'nope')} ${NOPE}`);
    const folded = logging('message: Hello', '  dear', '  ${ inputs.nope }');
    expect(where(folded)).toBe(`${at(folded, 'nope')} ${NOPE}`);
  });

  it("single-quoted scalars, with '' escapes before the expression", () => {
    const text = logging("message: 'it''s ''${ inputs.nope }'''");
    expect(where(text)).toBe(`${at(text, 'nope')} ${NOPE}`);
    const folded = logging("message: 'it''s", '    ${ inputs.nope }', "  done'");
    expect(where(folded)).toBe(`${at(folded, 'nope')} ${NOPE}`);
  });

  it('double-quoted scalars, through escapes and escaped line breaks', () => {
    const plain = logging('message: "Hello ${ inputs.nope }"');
    expect(where(plain)).toBe(`${at(plain, 'nope')} ${NOPE}`);
    const escapes = logging('message: "tab\\t quote\\" \\u00e9 \\x41 ${ inputs.nope }"');
    expect(where(escapes)).toBe(`${at(escapes, 'nope')} ${NOPE}`);
    const continued = logging('message: "one \\', '  two ${ inputs.nope }"');
    expect(where(continued)).toBe(`${at(continued, 'nope')} ${NOPE}`);
  });

  it('literal block scalars, on any line, more-indented lines included', () => {
    const text = logging(
      'message: |',
      '  first line',
      '',
      '    indented ${ inputs.name }',
      '  last ${ inputs.nope }',
    );
    expect(where(text)).toBe(`${at(text, 'nope')} ${NOPE}`);
    // The message quotes the expression, not the whole (multi-line) string.
    expect(loadWorkflowDocument(text, 'wf.yaml').diagnostics[0]?.message).toBe(
      'No such key: nope (in `${ inputs.nope }`)',
    );
    const kept = logging('message: |+ # a comment', '  ${ inputs.nope }', '', '');
    expect(where(kept)).toBe(`${at(kept, 'nope')} ${NOPE}`);
  });

  it('folded block scalars', () => {
    const text = logging(
      'message: >-',
      '  first',
      '  second',
      '',
      '    kept as is',
      '  then ${ inputs.nope }',
    );
    expect(where(text)).toBe(`${at(text, 'nope')} ${NOPE}`);
  });

  it('a block scalar with an explicit indentation indicator: at the start of the string', () => {
    const text = logging('message: |2', '    ${ inputs.nope }');
    expect(where(text)).toBe(`${at(text, '|2')} ${NOPE}`);
  });

  it('a problem of the whole expression is reported at its ${', () => {
    const text = lines(
      'id: wf',
      'inputs: { n: { type: integer, default: 1 } }',
      'steps:',
      '  - id: a',
      "    if: '${ inputs.n }'",
      '    uses: noop',
    );
    expect(where(text)).toBe(`${at(text, '${')} condition must be bool, got int`);
  });

  it('syntax errors, unknown names and step references, at their token', () => {
    const syntax = logging('message: "a ${ inputs.name + }"');
    expect(where(syntax)).toBe(`${at(syntax, '}"')} Unexpected token: EOF`);
    const name = logging('message: ok ${ input.name }');
    expect(where(name)).toMatch(new RegExp(`^${at(name, 'input.')} Unknown variable: input`));
    const step = logging('message: >', '  ${ inputs.name + steps.nope.output }');
    expect(where(step)).toBe(`${at(step, 'steps.')} reference to unknown step "nope"`);
  });

  it('inside a shell command split into words, and after a foreach alias', () => {
    const command = lines(
      'id: wf',
      'inputs: { channel: { type: string, default: beta } }',
      'steps:',
      '  - id: publish',
      '    uses: shell',
      '    with:',
      '      command: npm   publish --tag ${ inputs.chanel } --access public',
    );
    expect(where(command)).toMatch(new RegExp(`^${at(command, 'chanel')} No such key: chanel`));
    const alias = lines(
      'id: wf',
      'steps:',
      '  - id: each',
      '    foreach:',
      '      items: [a, b]',
      '      as: platform',
      '      steps:',
      '        - id: say',
      '          uses: log',
      '          with:',
      '            message: ${ platform + platform + inputs.nope }',
    );
    expect(where(alias)).toBe(`${at(alias, 'nope')} ${NOPE}`);
  });
});
