import { isMap, isScalar, parseDocument, type Scalar } from 'yaml';
import { describe, expect, it } from 'vitest';
import { sourceOffsetOfValueIndex } from '../../src/dsl/scalar-offsets.ts';

/** The scalar under `key: ` in a one-mapping document. */
function scalarOf(text: string): Scalar {
  const doc = parseDocument(text);
  const value = isMap(doc.contents) ? doc.contents.items[0]?.value : undefined;
  if (!isScalar(value)) throw new Error('no scalar');
  return value;
}

/** Characters of the value that do not stand as themselves in the source, per style. */
function mismatches(text: string): string[] {
  const node = scalarOf(text);
  const value = String(node.value).replace(/\n+$/, '');
  const out: string[] = [];
  for (let i = 0; i < value.length; i++) {
    const at = sourceOffsetOfValueIndex(text, node, i);
    const c = value[i] as string;
    if (at === undefined) out.push(`${i}: unmapped`);
    // Folded line breaks map to the break; decoded escapes to their backslash.
    else if (text[at] !== c && !(/\s/.test(c) && /\s/.test(text[at] ?? '')) && text[at] !== '\\') {
      out.push(`${i}: ${JSON.stringify(c)} at ${at} is ${JSON.stringify(text[at])}`);
    }
  }
  return out;
}

describe('sourceOffsetOfValueIndex', () => {
  it.each([
    ['plain', 'k: a b  c\n'],
    ['plain, folded', 'k: a\n  b\n\n  c\n'],
    ['single-quoted', "k: 'it''s\n  a  test '\n"],
    ['double-quoted', 'k: "tab\\t \\"q\\" \\u263A\\U0001F600 end \\\n    next\n\n  last"\n'],
    ['literal', 'k: |\n  one\n\n    two\n  three\n\n'],
    ['literal keep, comment', 'k: |+ # note\n  one\n  two\n\n'],
    ['folded', 'k: >\n  one\n  two\n\n  three\n    spaced\n  four\n'],
    ['folded strip', 'k: >-\n\n  one\n  two\n'],
  ])('%s: every character maps to where it stands', (_, text) => {
    expect(mismatches(text)).toEqual([]);
  });

  it('gives up on an explicit indentation indicator and on indexes out of range', () => {
    const indented = 'k: |2\n    x\n';
    expect(sourceOffsetOfValueIndex(indented, scalarOf(indented), 0)).toBeUndefined();
    const plain = 'k: abc\n';
    expect(sourceOffsetOfValueIndex(plain, scalarOf(plain), 3)).toBeUndefined();
    expect(sourceOffsetOfValueIndex(plain, scalarOf(plain), 2)).toBe(5);
  });
});
