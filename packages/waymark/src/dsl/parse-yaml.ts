/**
 * YAML text → a plain value plus a way back from a path in it to a line and column. Written
 * for hostile input: size, nesting depth and scalar length are checked on the parser's
 * token tree (iteratively) before yaml composes nodes, because composing a deeply nested
 * document recurses and can exhaust the stack or the heap; aliases are capped when the
 * document is turned into plain values.
 */
import {
  type CST,
  Composer,
  type Document,
  Lexer,
  LineCounter,
  Parser,
  type YAMLError,
} from 'yaml';
import type { Diagnostic } from './diagnostics.ts';
import { type LocateOptions, locatePath } from './locate-path.ts';

/** Syntax errors reported before the rest are summed up in one line. */
const MAX_SYNTAX_ERRORS = 5;

export interface YamlLimits {
  /** Largest accepted file, in UTF-8 bytes. */
  maxBytes: number;
  /** Deepest nesting of mappings and sequences. */
  maxDepth: number;
  /** yaml's `maxAliasCount`: how many nodes aliases may expand to, per alias. */
  maxAliasCount: number;
  /** Longest scalar, in characters of source text. */
  maxStringLength: number;
  /**
   * Most lexical tokens. yaml's parser takes a few microseconds a token, so this, not the
   * byte size, is what keeps a hostile 1 MiB file (`[[[[...`, `[a, a, a, ...`) under a second.
   */
  maxTokens: number;
}

export const DEFAULT_YAML_LIMITS: YamlLimits = {
  maxBytes: 1024 * 1024,
  maxDepth: 64,
  maxAliasCount: 100,
  maxStringLength: 128 * 1024,
  maxTokens: 100_000,
};

/** A path into a document: mapping keys and sequence indexes, e.g. ['steps', 2, 'with']. */
export type DocumentPath = ReadonlyArray<string | number>;

export interface SourcePosition {
  line: number;
  column: number;
}

export interface ParsedYaml {
  /** The document as plain JSON-like values. */
  value: unknown;
  /**
   * Where `path` starts in the source. A path that does not exist (a missing key) resolves
   * to the deepest node that does, its parent mapping. With `key`, the position of the last
   * mapping key itself rather than its value. With `index`, the position of that character
   * of the string value at `path`, when it can be mapped (see scalar-offsets.ts).
   */
  locate(path: DocumentPath, options?: LocateOptions): SourcePosition;
}

export interface ParseYamlResult {
  parsed?: ParsedYaml;
  diagnostics: Diagnostic[];
}

/** Parses one YAML document; every syntax error and limit becomes a diagnostic. */
export function parseYaml(
  text: string,
  file: string,
  limits: Partial<YamlLimits> = {},
): ParseYamlResult {
  const lim: YamlLimits = { ...DEFAULT_YAML_LIMITS, ...limits };
  const error = (message: string, pos: SourcePosition, hint?: string): ParseYamlResult => ({
    diagnostics: [diagnostic(file, pos, message, hint)],
  });
  // UTF-8 never takes fewer bytes than UTF-16 code units, so the length alone can reject.
  if (text.length > lim.maxBytes || Buffer.byteLength(text, 'utf8') > lim.maxBytes) {
    return error(
      `file is larger than ${lim.maxBytes} bytes`,
      { line: 1, column: 1 },
      'a workflow file should be small; pass large data as inputs',
    );
  }

  const lexProblem = checkLexicalLimits(text, lim);
  if (lexProblem !== undefined) {
    const lines = new LineCounter();
    lines.addNewLine(0);
    for (
      let i = text.indexOf('\n');
      i !== -1 && i < lexProblem.offset;
      i = text.indexOf('\n', i + 1)
    ) {
      lines.addNewLine(i + 1);
    }
    const { line, col } = lines.linePos(lexProblem.offset);
    return error(lexProblem.message, { line: Math.max(line, 1), column: Math.max(col, 1) });
  }

  const lineCounter = new LineCounter();
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: Math.max(line, 1), column: Math.max(col, 1) };
  };
  const limitProblem = checkTokenLimits(tokens, lim);
  if (limitProblem !== undefined) return error(limitProblem.message, at(limitProblem.offset));

  const composer = new Composer({
    prettyErrors: false,
    stringKeys: true,
    uniqueKeys: true,
    strict: true,
  });
  const docs = Array.from(composer.compose(tokens, true, text.length));
  const doc = docs[0] as Document.Parsed;
  const diagnostics: Diagnostic[] = [];
  if (docs.length > 1) {
    const second = docs[1] as Document.Parsed;
    diagnostics.push(
      diagnostic(
        file,
        at(second.range[0]),
        'a workflow file holds one YAML document',
        'remove the "---" separator and what follows it',
      ),
    );
  }
  // One syntax mistake makes the YAML parser report a cascade of follow-on errors (36 for one
  // unclosed flow map): the first few are useful, the rest are noise.
  for (const e of doc.errors.slice(0, MAX_SYNTAX_ERRORS)) {
    diagnostics.push(yamlDiagnostic(file, text, e, at, 'error'));
  }
  if (doc.errors.length > MAX_SYNTAX_ERRORS) {
    const last = doc.errors[MAX_SYNTAX_ERRORS] as (typeof doc.errors)[number];
    diagnostics.push(
      diagnostic(
        file,
        at(last.pos[0]),
        `${doc.errors.length - MAX_SYNTAX_ERRORS} more syntax errors follow, most likely caused by the first one`,
        'fix the first syntax error and validate again',
      ),
    );
  }
  for (const w of doc.warnings) diagnostics.push(yamlDiagnostic(file, text, w, at, 'warning'));
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: lim.maxAliasCount });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    diagnostics.push(
      diagnostic(
        file,
        at(firstAliasOffset(tokens) ?? 0),
        `aliases expand too far (${message})`,
        `aliases may expand to at most ${lim.maxAliasCount} nodes each`,
      ),
    );
    return { diagnostics };
  }
  // Aliases can nest a deep anchor inside another: check the expanded value too, so the
  // checks after this one may recurse over it safely.
  if (!withinDepth(value, lim.maxDepth)) {
    diagnostics.push(
      diagnostic(
        file,
        at(firstAliasOffset(tokens) ?? 0),
        `document is nested deeper than ${lim.maxDepth} levels once aliases are expanded`,
      ),
    );
    return { diagnostics };
  }
  const locate = (path: DocumentPath, options: LocateOptions = {}): SourcePosition =>
    at(locatePath(doc, text, path, options));
  return { parsed: { value, locate }, diagnostics };
}

function diagnostic(
  file: string,
  pos: SourcePosition,
  message: string,
  hint?: string,
  severity: Diagnostic['severity'] = 'error',
): Diagnostic {
  return {
    file,
    line: pos.line,
    column: pos.column,
    message,
    ...(hint === undefined ? {} : { hint }),
    severity,
  };
}

function yamlDiagnostic(
  file: string,
  text: string,
  e: YAMLError,
  at: (offset: number) => SourcePosition,
  severity: Diagnostic['severity'],
): Diagnostic {
  const pos = at(e.pos[0]);
  if (e.code === 'DUPLICATE_KEY') {
    const key = keyTextAt(text, e.pos[0]);
    return diagnostic(
      file,
      pos,
      key === undefined ? 'duplicate key' : `duplicate key "${key}"`,
      'each key may appear once in a mapping',
      severity,
    );
  }
  // yaml's messages end with a source excerpt when prettyErrors is on; it is off, so the
  // message is one line already. Lower-case the first letter to match our messages.
  const message = e.message.charAt(0).toLowerCase() + e.message.slice(1);
  return diagnostic(file, pos, message, undefined, severity);
}

function keyTextAt(text: string, offset: number): string | undefined {
  const m = /^["']?([^"':\n]{1,100})/.exec(text.slice(offset, offset + 120));
  return m?.[1]?.trim();
}

interface LimitProblem {
  message: string;
  offset: number;
}

/**
 * A first pass over the lexer's flat token stream, which is cheap and stops at the first
 * problem: too many tokens, or flow collections (`[`, `{`) nested too deep. Block nesting
 * is checked on the token tree afterwards.
 */
function checkLexicalLimits(text: string, lim: YamlLimits): LimitProblem | undefined {
  let tokens = 0;
  let flowDepth = 0;
  let offset = 0;
  for (const lexeme of new Lexer().lex(text)) {
    tokens++;
    if (tokens > lim.maxTokens) {
      return { message: `document has more than ${lim.maxTokens} tokens`, offset };
    }
    if (lexeme === '[' || lexeme === '{') {
      flowDepth++;
      if (flowDepth > lim.maxDepth) {
        return { message: `document is nested deeper than ${lim.maxDepth} levels`, offset };
      }
    } else if (lexeme === ']' || lexeme === '}') {
      flowDepth = Math.max(0, flowDepth - 1);
    }
    // The lexer interleaves one-character control markers that are not in the source.
    if (!(lexeme.length === 1 && lexeme < ' ' && lexeme !== '\n' && lexeme !== '\t')) {
      offset += lexeme.length;
    }
  }
  return undefined;
}

/** Walks the token tree with an explicit stack: a 10,000-deep document cannot overflow it. */
function checkTokenLimits(tokens: CST.Token[], lim: YamlLimits): LimitProblem | undefined {
  const stack: Array<{ token: CST.Token; depth: number }> = tokens.map((token) => ({
    token,
    depth: 0,
  }));
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { token, depth } = top;
    switch (token.type) {
      case 'document':
        if (token.value !== undefined) stack.push({ token: token.value, depth });
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection': {
        if (depth + 1 > lim.maxDepth) {
          return {
            message: `document is nested deeper than ${lim.maxDepth} levels`,
            offset: token.offset,
          };
        }
        for (const item of token.items) {
          if (item.key !== undefined && item.key !== null) {
            stack.push({ token: item.key, depth: depth + 1 });
          }
          if (item.value !== undefined) stack.push({ token: item.value, depth: depth + 1 });
        }
        break;
      }
      case 'scalar':
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
      case 'block-scalar':
        if (token.source.length > lim.maxStringLength) {
          return {
            message: `string is longer than ${lim.maxStringLength} characters`,
            offset: token.offset,
          };
        }
        break;
      default:
        break;
    }
  }
  return undefined;
}

function withinDepth(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [node, depth] = top;
    if (typeof node !== 'object' || node === null) continue;
    if (depth + 1 > maxDepth) return false;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return true;
}

function firstAliasOffset(tokens: CST.Token[]): number | undefined {
  const stack = [...tokens];
  let first: number | undefined;
  for (let token = stack.pop(); token !== undefined; token = stack.pop()) {
    if (token.type === 'alias') first = Math.min(first ?? token.offset, token.offset);
    else if (token.type === 'document' && token.value !== undefined) stack.push(token.value);
    else if (
      token.type === 'block-map' ||
      token.type === 'block-seq' ||
      token.type === 'flow-collection'
    ) {
      for (const item of token.items) {
        if (item.key) stack.push(item.key);
        if (item.value) stack.push(item.value);
      }
    }
  }
  return first;
}
