/**
 * Where a character of a YAML string value stands in the file, so a diagnostic can point
 * inside a scalar (at the `${` of an expression, or the token an expression error names)
 * rather than at its start. A scalar's value is its source text transformed: quotes removed,
 * `''` and `\` escapes decoded, indentation stripped, line breaks folded. Each style is
 * decoded again here with, for every character of the value, the index it came from; the
 * result is used only when it decodes to exactly the value yaml produced, so an unusual
 * scalar costs precision (the caller falls back to the scalar's start), never correctness.
 */
import { Scalar } from 'yaml';

/**
 * The offset in `text` of character `index` of the string value of `node`, or undefined when
 * it cannot be mapped (an explicit block indentation indicator, a value yaml decoded
 * differently than expected).
 */
export function sourceOffsetOfValueIndex(
  text: string,
  node: Scalar,
  index: number,
): number | undefined {
  const range = node.range;
  if (typeof node.value !== 'string' || range === undefined || range === null) return undefined;
  const raw = text.slice(range[0], range[1]);
  const decoded = decode(raw, node.type);
  if (decoded === undefined) return undefined;
  const value = node.value;
  // Block scalars end with chomped line breaks: compare (and map) the text before them.
  const block = node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
  const body = block ? value.replace(/\n+$/, '') : value;
  if (decoded.value.slice(0, body.length) !== body || (!block && decoded.value !== value)) {
    return undefined;
  }
  if (index < 0 || index >= body.length) return undefined;
  const at = decoded.origin[index];
  return at === undefined ? undefined : range[0] + at;
}

interface Decoded {
  value: string;
  /** For each character of `value`, its index in the raw source. */
  origin: number[];
}

function decode(raw: string, type: Scalar['type']): Decoded | undefined {
  switch (type) {
    case Scalar.PLAIN:
      return decodeFlow(raw, 0, raw.length, 'plain');
    case Scalar.QUOTE_SINGLE:
      return decodeFlow(raw, 1, raw.length - 1, 'single');
    case Scalar.QUOTE_DOUBLE:
      return decodeFlow(raw, 1, raw.length - 1, 'double');
    case Scalar.BLOCK_LITERAL:
    case Scalar.BLOCK_FOLDED:
      return decodeBlock(raw, type === Scalar.BLOCK_FOLDED);
    default:
      return undefined;
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_ESCAPES: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

/**
 * Plain and quoted scalars: within a line, characters stand as they are (bar escapes); a
 * line break with the white space around it folds to a space, or to n-1 newlines for n
 * breaks; a `\` before a line break (double quotes) removes the break.
 */
function decodeFlow(
  raw: string,
  start: number,
  end: number,
  style: 'plain' | 'single' | 'double',
): Decoded | undefined {
  const value: string[] = [];
  const origin: number[] = [];
  const push = (text: string, at: number): void => {
    for (const c of text) {
      for (let k = 0; k < c.length; k++) {
        value.push(c[k] as string);
        origin.push(at);
      }
    }
  };
  let i = start;
  while (i < end) {
    const c = raw[i] as string;
    if (style === 'double' && c === '\\') {
      const next = raw[i + 1] ?? '';
      if (next === '\n' || next === '\r') {
        i += next === '\r' && raw[i + 2] === '\n' ? 3 : 2;
        while (i < end && (raw[i] === ' ' || raw[i] === '\t')) i++;
        continue;
      }
      const simple = SIMPLE_ESCAPES[next];
      if (simple !== undefined) {
        push(simple, i);
        i += 2;
        continue;
      }
      const digits = HEX_ESCAPES[next];
      const hex = digits === undefined ? '' : raw.slice(i + 2, i + 2 + digits);
      if (digits === undefined || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) {
        return undefined;
      }
      push(String.fromCodePoint(parseInt(hex, 16)), i);
      i += 2 + digits;
      continue;
    }
    if (style === 'single' && c === "'" && raw[i + 1] === "'") {
      push("'", i);
      i += 2;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      let j = i;
      let breaks = 0;
      while (j < end && /[ \t\r\n]/.test(raw[j] as string)) {
        if (raw[j] === '\n') breaks++;
        j++;
      }
      if (breaks === 0) push(raw.slice(i, j), i);
      else push(breaks === 1 ? ' ' : '\n'.repeat(breaks - 1), i);
      i = j;
      continue;
    }
    push(c, i);
    i++;
  }
  return { value: value.join(''), origin };
}

/**
 * Block scalars: the header line, then content lines whose common indentation (that of the
 * first non-empty line) is stripped. Literal (`|`) keeps every line break; folded (`>`) joins
 * two adjacent lines that are not more indented with a space, and keeps only the breaks of
 * empty lines between them.
 */
function decodeBlock(raw: string, folded: boolean): Decoded | undefined {
  const headerEnd = raw.indexOf('\n');
  if (headerEnd === -1) return { value: '', origin: [] };
  // An explicit indentation indicator counts from the parent's indentation, unknown here.
  if (/\d/.test(raw.slice(0, headerEnd).replace(/#.*$/, ''))) return undefined;
  const lines: Array<{ start: number; text: string }> = [];
  for (let at = headerEnd + 1; at < raw.length;) {
    const nl = raw.indexOf('\n', at);
    const stop = nl === -1 ? raw.length : nl;
    lines.push({ start: at, text: raw.slice(at, stop).replace(/\r$/, '') });
    at = stop + 1;
  }
  const first = lines.find((l) => l.text.trim() !== '');
  if (first === undefined) return { value: '', origin: [] };
  const indent = first.text.length - first.text.trimStart().length;
  const value: string[] = [];
  const origin: number[] = [];
  let previous: 'none' | 'text' | 'spaced' = 'none';
  let empty = 0;
  let lastBreak = headerEnd;
  for (const line of lines) {
    const content = line.text.slice(indent);
    if (line.text.trim() === '' && line.text.length <= indent) {
      empty++;
      lastBreak = line.start - 1;
      continue;
    }
    const kind = /^[ \t]/.test(content) ? 'spaced' : 'text';
    // The line breaks since the previous content line (or the header).
    let separator = '\n'.repeat(previous === 'none' ? empty : empty + 1);
    if (folded && previous === 'text' && kind === 'text') {
      separator = empty === 0 ? ' ' : '\n'.repeat(empty);
    }
    for (const c of separator) {
      value.push(c);
      origin.push(lastBreak);
    }
    for (let k = 0; k < content.length; k++) {
      value.push(content[k] as string);
      origin.push(line.start + indent + k);
    }
    previous = kind;
    empty = 0;
    lastBreak = line.start + line.text.length;
  }
  return { value: value.join(''), origin };
}
