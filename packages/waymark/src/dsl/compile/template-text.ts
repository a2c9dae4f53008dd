/**
 * Reading the literal text of a document's values: whether they hold templates, and word
 * arguments split at whitespace, each word keeping where it stands in the original string so
 * a diagnostic about it points at the right character of the file.
 */
import { isRecord } from '../document-issue.ts';
import { parseTemplate } from '../expressions/index.ts';

/** Whether a value holds a `${ }` anywhere. */
export function hasTemplate(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('${');
  if (Array.isArray(v)) return v.some(hasTemplate);
  if (isRecord(v)) return Object.values(v).some(hasTemplate);
  return false;
}

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
