/**
 * A stopgap until dsl/expressions type-checks expressions: finds `steps.<id>` (or
 * `steps["id"]`) inside `${ … }` so references to unknown steps are reported at load time.
 */
import type { DocumentPath } from './parse-yaml.ts';

export interface StepReference {
  id: string;
  /** Path of the string the expression is in. */
  path: DocumentPath;
}

const STEP_REF = /(?<![\w.$])steps\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*(['"])([^'"]*)\2\s*\])/g;

/** The text inside each `${ … }` of `text`; braces and quotes inside are respected. */
export function expressionsIn(text: string): string[] {
  const out: string[] = [];
  for (let start = text.indexOf('${'); start !== -1; start = text.indexOf('${', start + 2)) {
    let depth = 1;
    let quote: string | undefined;
    let i = start + 2;
    for (; i < text.length && depth > 0; i++) {
      const c = text[i];
      if (quote !== undefined) {
        if (c === '\\') i++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '{') depth++;
      else if (c === '}') depth--;
    }
    if (depth !== 0) break;
    out.push(text.slice(start + 2, i - 1));
    start = i - 2;
  }
  return out;
}

export function stepIdsReferencedIn(expression: string): string[] {
  return Array.from(expression.matchAll(STEP_REF), (m) => m[1] ?? m[3] ?? '');
}

/** Every step reference in the strings under `value`, walked without recursion. */
export function findStepReferences(value: unknown, base: DocumentPath): StepReference[] {
  const out: StepReference[] = [];
  const stack: Array<[unknown, DocumentPath]> = [[value, base]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [node, path] = top;
    if (typeof node === 'string') {
      for (const expression of expressionsIn(node)) {
        for (const id of stepIdsReferencedIn(expression)) out.push({ id, path });
      }
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], [...path, i]]);
    } else if (typeof node === 'object' && node !== null) {
      const entries = Object.entries(node);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        stack.push([child, [...path, key]]);
      }
    }
  }
  return out;
}
