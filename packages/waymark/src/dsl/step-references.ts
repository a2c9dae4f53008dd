/**
 * A stopgap until dsl/expressions type-checks expressions: finds `steps.<id>` (or
 * `steps["id"]`) inside `${ … }` so references to unknown steps are reported at load time.
 */
import { parseTemplate } from './expressions/index.ts';
import type { DocumentPath } from './parse-yaml.ts';

export interface StepReference {
  id: string;
  /** Path of the string the expression is in. */
  path: DocumentPath;
}

const STEP_REF = /(?<![\w.$])steps\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*(['"])([^'"]*)\2\s*\])/g;

/** The source of each `${ … }` of `text`, parsed as the expression layer parses it (`$${` escapes). */
function expressionsIn(text: string): string[] {
  if (!text.includes('${')) return [];
  return parseTemplate(text).parts.flatMap((part) => (part.kind === 'expr' ? [part.source] : []));
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
