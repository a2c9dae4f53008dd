/**
 * Splits a YAML string value into literal text and `${ … }` expressions. There is one delimiter;
 * `$${` is a literal `${`. The scanner knows CEL string literals (quotes, triple quotes, raw
 * strings, backslash escapes) and counts `{`/`}` of map literals, so `${ "}" }` and
 * `${ {"a": 1}.a }` end where the expression ends, not at the first `}`.
 */

export type TemplatePart =
  | { kind: 'text'; text: string }
  /** `offset` is the index of `source` in the original string. */
  | { kind: 'expr'; source: string; offset: number };

export interface TemplateParseError {
  message: string;
  offset: number;
}

/** True when `text` holds a `${` (escaped or not): the caller should treat it as a template. */
export function isTemplate(text: string): boolean {
  return text.includes('${');
}

/**
 * @example parseTemplate('v${ inputs.version }') →
 *   { parts: [{ kind: 'text', text: 'v' }, { kind: 'expr', source: ' inputs.version ', offset: 3 }] }
 */
export function parseTemplate(text: string): {
  parts: TemplatePart[];
  error?: TemplateParseError;
} {
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      literal += text[i];
      i += 1;
      continue;
    }
    const start = i + 2;
    const end = findExpressionEnd(text, start);
    if (end.error !== undefined) return { parts, error: end.error };
    if (literal !== '') parts.push({ kind: 'text', text: literal });
    literal = '';
    const source = text.slice(start, end.index);
    if (source.trim() === '') {
      return { parts, error: { message: 'empty expression `${}`', offset: i } };
    }
    parts.push({ kind: 'expr', source, offset: start });
    i = end.index + 1;
  }
  if (literal !== '') parts.push({ kind: 'text', text: literal });
  return { parts };
}

/** Index of the `}` that closes the expression starting at `start`. */
function findExpressionEnd(
  text: string,
  start: number,
): { index: number; error?: undefined } | { index?: undefined; error: TemplateParseError } {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "'") {
      const close = skipString(text, i);
      if (close === -1) {
        return { error: { message: 'unterminated string literal in expression', offset: i } };
      }
      i = close;
      continue;
    }
    if (c === '{') depth += 1;
    else if (c === '}') {
      if (depth === 0) return { index: i };
      depth -= 1;
    }
    i += 1;
  }
  return { error: { message: 'unterminated `${`: no closing `}`', offset: start - 2 } };
}

/** Index just past the string literal whose opening quote is at `at`, or -1 if unterminated. */
function skipString(text: string, at: number): number {
  const quote = text[at] as string;
  const raw = /[rR]/.test(text[at - 1] ?? '');
  const triple = text.startsWith(quote.repeat(3), at);
  const delimiter = triple ? quote.repeat(3) : quote;
  let i = at + delimiter.length;
  while (i < text.length) {
    if (!raw && text[i] === '\\') {
      i += 2;
      continue;
    }
    if (text.startsWith(delimiter, i)) return i + delimiter.length;
    // A single-quoted CEL string cannot span lines; stop at the newline so the error is local.
    if (!triple && text[i] === '\n') return -1;
    i += 1;
  }
  return -1;
}
