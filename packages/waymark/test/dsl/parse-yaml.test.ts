import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/dsl/diagnostics.ts';
import { parseYaml } from '../../src/dsl/parse-yaml.ts';

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

function rejects(text: string): { message: string; line: number; column: number; ms: number } {
  const started = performance.now();
  const { parsed, diagnostics } = parseYaml(text, 'hostile.yaml');
  const ms = performance.now() - started;
  expect(parsed).toBeUndefined();
  const first = diagnostics[0];
  if (first === undefined) throw new Error('expected a diagnostic');
  return { message: first.message, line: first.line, column: first.column, ms };
}

describe('parseYaml', () => {
  it('parses a document into plain values', () => {
    const { parsed, diagnostics } = parseYaml(lines('id: x', 'steps:', '  - uses: log'), 'a.yaml');
    expect(diagnostics).toEqual([]);
    expect(parsed?.value).toEqual({ id: 'x', steps: [{ uses: 'log' }] });
  });

  it('reports a syntax error with its line and column', () => {
    const { diagnostics } = parseYaml(lines('id: x', 'steps: [a, b', 'name: y'), 'a.yaml');
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics[0]).toMatchObject({ file: 'a.yaml', line: 3, column: 1, severity: 'error' });
    expect(formatDiagnostic(diagnostics[0]!)).toMatch(/^a\.yaml:3:1: flow sequence/);
  });

  it('reports a duplicate key at the second occurrence', () => {
    const { parsed, diagnostics } = parseYaml(
      lines('id: x', 'steps:', '  - id: a', '    uses: log', '    uses: set'),
      'a.yaml',
    );
    expect(parsed).toBeUndefined();
    expect(diagnostics).toEqual([
      {
        file: 'a.yaml',
        line: 5,
        column: 5,
        message: 'duplicate key "uses"',
        hint: 'each key may appear once in a mapping',
        severity: 'error',
      },
    ]);
  });

  it('accepts one document per file', () => {
    const { diagnostics } = parseYaml(lines('id: a', '---', 'id: b'), 'a.yaml');
    expect(diagnostics[0]).toMatchObject({
      line: 2,
      message: 'a workflow file holds one YAML document',
    });
  });

  it('maps a path to the line and column where its node starts', () => {
    const { parsed } = parseYaml(
      lines('id: x', 'steps:', '  - id: a', '    uses: shell', '    with:', '      command: ls'),
      'a.yaml',
    );
    expect(parsed?.locate(['steps', 0, 'with', 'command'])).toEqual({ line: 6, column: 16 });
    expect(parsed?.locate(['steps', 0, 'uses'], { key: true })).toEqual({ line: 4, column: 5 });
    expect(parsed?.locate(['steps', 0])).toEqual({ line: 3, column: 5 });
    // A missing key: its parent mapping.
    expect(parsed?.locate(['steps', 0, 'with', 'env'])).toEqual({ line: 6, column: 7 });
    expect(parsed?.locate([])).toEqual({ line: 1, column: 1 });
  });

  it('keeps __proto__ an ordinary key', () => {
    const { parsed } = parseYaml(lines('__proto__: { polluted: 1 }'), 'a.yaml');
    expect(Object.getPrototypeOf(parsed?.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseYaml on hostile documents', () => {
  // The target is well under a second; the bound only guards against a hang.
  const BOUND_MS = 5_000;

  it('rejects an alias bomb ("billion laughs")', () => {
    const levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    const names = 'abcdefghi';
    for (let i = 1; i < names.length; i++) {
      const prev = `*${names[i - 1]}`;
      levels.push(`${names[i]}: &${names[i]} [${Array(9).fill(prev).join(', ')}]`);
    }
    const result = rejects(lines(...levels));
    expect(result.message).toMatch(/^aliases expand too far/);
    expect(result.line).toBe(2);
    expect(result.ms).toBeLessThan(BOUND_MS);
  });

  it('rejects 10,000 nested flow sequences', () => {
    const result = rejects('['.repeat(10_000) + ']'.repeat(10_000));
    expect(result).toMatchObject({
      message: 'document is nested deeper than 64 levels',
      line: 1,
      column: 65,
    });
    expect(result.ms).toBeLessThan(BOUND_MS);
  });

  it('rejects 10,000 unclosed flow sequences (which crash yaml itself)', () => {
    const result = rejects('['.repeat(10_000));
    expect(result.message).toBe('document is nested deeper than 64 levels');
    expect(result.ms).toBeLessThan(BOUND_MS);
  });

  it('rejects 10,000 nested mappings, flow and block', () => {
    const flow = rejects('{a: '.repeat(10_000) + '1' + '}'.repeat(10_000));
    expect(flow.message).toBe('document is nested deeper than 64 levels');
    const compact = rejects('- '.repeat(10_000) + 'x');
    expect(compact.message).toBe('document is nested deeper than 64 levels');
    const block = rejects(
      Array.from({ length: 1_000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1',
    );
    expect(block).toMatchObject({ message: 'document is nested deeper than 64 levels', line: 65 });
    expect(flow.ms + compact.ms + block.ms).toBeLessThan(BOUND_MS);
  });

  it('rejects a 50 MB string by the size of the file', () => {
    const result = rejects(`id: "${'x'.repeat(50 * 1024 * 1024)}"`);
    expect(result).toMatchObject({ message: 'file is larger than 1048576 bytes', line: 1 });
    expect(result.ms).toBeLessThan(BOUND_MS);
  });

  it('rejects a string over the length limit inside a small file', () => {
    const result = rejects(lines('id: x', `name: ${'y'.repeat(200_000)}`));
    expect(result).toMatchObject({
      message: 'string is longer than 131072 characters',
      line: 2,
      column: 7,
    });
  });

  it('rejects a file of too many tokens before parsing it', () => {
    const result = rejects(`a: [${'1, '.repeat(300_000)}1]`);
    expect(result.message).toBe('document has more than 100000 tokens');
    expect(result.ms).toBeLessThan(BOUND_MS);
  });

  it('rejects aliases that nest an anchor past the depth limit', () => {
    const deep = (n: number, inner: string): string => '['.repeat(n) + inner + ']'.repeat(n);
    const result = rejects(lines(`a: &a ${deep(40, '1')}`, `b: ${deep(40, '*a')}`));
    expect(result.message).toBe(
      'document is nested deeper than 64 levels once aliases are expanded',
    );
  });
});
