/** Reading literal values of a document: templates in them, and command strings as words. */
import { isRecord } from '../document-issue.ts';
import { parseTemplate } from '../expressions/index.ts';

/** Whether a value holds a `${ }` anywhere. */
export function hasTemplate(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('${');
  if (Array.isArray(v)) return v.some(hasTemplate);
  if (isRecord(v)) return Object.values(v).some(hasTemplate);
  return false;
}

/**
 * `npm publish --tag ${ inputs.channel }` → `["npm", "publish", "--tag", "${ inputs.channel }"]`:
 * whitespace outside `${ }` separates words; an expression belongs to the word it stands in.
 */
export function splitWords(text: string): string[] {
  const { parts, error } = parseTemplate(text);
  if (error !== undefined) return [text];
  const words: string[] = [];
  let word: string | undefined;
  for (const part of parts) {
    if (part.kind === 'expr') {
      word = `${word ?? ''}\${${part.source}}`;
      continue;
    }
    const pieces = part.text.replaceAll('${', () => '$${').split(/\s+/);
    pieces.forEach((piece, i) => {
      if (i > 0 && word !== undefined) {
        words.push(word);
        word = undefined;
      }
      if (piece !== '') word = `${word ?? ''}${piece}`;
    });
  }
  if (word !== undefined) words.push(word);
  return words;
}
