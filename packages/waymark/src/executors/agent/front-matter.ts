/**
 * Markdown with optional YAML front matter, as roles, profiles and skills are written:
 *
 *     ---
 *     model: sonnet
 *     ---
 *     You are …
 *
 * Problems are reported with the file's line, counted from its first line.
 */
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';

export interface MarkdownFile {
  /** The front matter's keys, or `{}` without one. */
  data: Record<string, unknown>;
  /** The text after the front matter, trimmed. */
  body: string;
  /** The 1-based line of each front-matter key, for messages. */
  lineOf(key: string): number | undefined;
}

const OPENING = /^\uFEFF?---[ \t]*\r?\n/;
const CLOSING = /^---[ \t]*$/m;

/** A front matter that does not parse, at its file's line. */
export class FrontMatterError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** Throws a FrontMatterError when the front matter is bad. */
export function parseMarkdownFile(text: string): MarkdownFile {
  const opening = OPENING.exec(text);
  if (opening === null) return { data: {}, body: text.trim(), lineOf: () => undefined };
  const rest = text.slice(opening[0].length);
  const closing = CLOSING.exec(rest);
  if (closing === null) {
    throw new FrontMatterError(1, 'opened with "---" but never closed by a "---" line');
  }
  const yamlText = rest.slice(0, closing.index);
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, uniqueKeys: true });
  // The front matter's own line 1 is the file's line 2.
  const fileLine = (offset: number): number => lineCounter.linePos(offset).line + 1;
  const error = doc.errors[0];
  if (error !== undefined) {
    // yaml's message ends with its own position, counted in the front matter: drop it.
    const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new FrontMatterError(fileLine(error.pos[0]), message);
  }
  const contents = doc.contents;
  if (contents !== null && !isMap(contents)) {
    throw new FrontMatterError(2, 'must be a map of keys (key: value)');
  }
  const lines = new Map<string, number>();
  for (const pair of contents?.items ?? []) {
    if (isScalar(pair.key) && pair.key.range !== undefined && pair.key.range !== null) {
      lines.set(String(pair.key.value), fileLine(pair.key.range[0]));
    }
  }
  const data = (doc.toJS() ?? {}) as Record<string, unknown>;
  const body = rest.slice(closing.index + closing[0].length).trim();
  return { data, body, lineOf: (key) => lines.get(key) };
}
