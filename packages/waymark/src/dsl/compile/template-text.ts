/**
 * Rewrites of a template's text made when a workflow loads, each keeping the way back to the
 * original string, so a diagnostic about the rewritten text points at the right character of
 * the file: a word argument split at whitespace, and a `foreach.as` alias renamed to `item`.
 */
import { parseTemplate } from '../expressions/index.ts';

export interface Word {
  text: string;
  /** Index of the word in the original string. */
  offset: number;
}

/**
 * `npm publish --tag ${ inputs.channel }` → `npm`, `publish`, `--tag`, `${ inputs.channel }`:
 * whitespace outside `${ }` separates words; an expression belongs to the word it stands in.
 * Each word is a slice of the original text (escapes such as `$${` included).
 */
export function splitWordsAt(text: string): Word[] {
  const { parts, error } = parseTemplate(text);
  if (error !== undefined) return [{ text, offset: 0 }];
  // The `${ … }` spans, whose white space belongs to the expression.
  const spanEnd = new Map<number, number>();
  for (const p of parts) {
    if (p.kind === 'expr') spanEnd.set(p.offset - 2, p.offset + p.source.length + 1);
  }
  const words: Word[] = [];
  let start = -1;
  let i = 0;
  while (i < text.length) {
    const end = spanEnd.get(i);
    if (end !== undefined) {
      if (start === -1) start = i;
      i = end;
      continue;
    }
    if (/\s/.test(text[i] as string)) {
      if (start !== -1) words.push({ text: text.slice(start, i), offset: start });
      start = -1;
    } else if (start === -1) {
      start = i;
    }
    i++;
  }
  if (start !== -1) words.push({ text: text.slice(start), offset: start });
  return words;
}

export function splitWords(text: string): string[] {
  return splitWordsAt(text).map((w) => w.text);
}

export interface RenamedText {
  text: string;
  /** The index in the original string of character `index` of `text`. */
  origin(index: number): number;
}

/**
 * A stopgap until the expression layer declares `foreach.as` names: inside `${ }`, the alias
 * as a whole identifier (not after `.`, not in a string literal) becomes `item`.
 */
export function renameItem(text: string, alias: string): RenamedText {
  const { parts, error } = parseTemplate(text);
  if (error !== undefined) return { text, origin: (index) => index };
  let out = '';
  const origins: number[] = [];
  const emit = (chunk: string, at: (k: number) => number): void => {
    for (let k = 0; k < chunk.length; k++) origins.push(at(k));
    out += chunk;
  };
  let copied = 0;
  for (const part of parts) {
    if (part.kind !== 'expr') continue;
    emit(text.slice(copied, part.offset), (k) => copied + k);
    renameIn(part.source, alias, (chunk, at) => emit(chunk, (k) => part.offset + at(k)));
    copied = part.offset + part.source.length;
  }
  emit(text.slice(copied), (k) => copied + k);
  return { text: out, origin: (index) => origins[index] ?? text.length };
}

/** Calls `emit` with the pieces of `source` renamed, each with its origin in `source`. */
function renameIn(
  source: string,
  alias: string,
  emit: (chunk: string, at: (k: number) => number) => void,
): void {
  let before = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    const from = i;
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      emit(source.slice(i, j + 1), (k) => from + k);
      before = c;
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < source.length && /\w/.test(source[j] as string)) j++;
      const word = source.slice(i, j);
      if (word === alias && before !== '.') {
        emit('item', (k) => from + Math.min(k, word.length - 1));
      } else {
        emit(word, (k) => from + k);
      }
      before = word;
      i = j;
      continue;
    }
    emit(c, () => from);
    if (!/\s/.test(c)) before = c;
    i++;
  }
}
