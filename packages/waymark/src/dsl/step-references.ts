/**
 * Finds `steps.<id>` (or `steps["id"]`) inside `${ … }`, with where each stands, so a
 * reference to an unknown step is reported once, at the reference, before expressions are
 * type-checked (the type check then skips expressions naming an unknown step).
 */
import { parseTemplate } from './expressions/index.ts';
import type { DocumentPath } from './parse-yaml.ts';

export interface StepReference {
  id: string;
  /** Path of the string the expression is in. */
  path: DocumentPath;
  /** Where the reference (`steps…`) starts in that string. */
  index: number;
}

const STEP_REF = /(?<![\w.$])steps\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*(['"])([^'"]*)\2\s*\])/g;

/** Each `${ … }` of `text` with its offset, parsed as the expression layer parses it (`$${` escapes). */
function expressionsIn(text: string): Array<{ source: string; offset: number }> {
  if (!text.includes('${')) return [];
  return parseTemplate(text).parts.flatMap((part) => (part.kind === 'expr' ? [part] : []));
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
      for (const { source, offset } of expressionsIn(node)) {
        for (const m of source.matchAll(STEP_REF)) {
          out.push({ id: m[1] ?? m[3] ?? '', path, index: offset + m.index });
        }
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
