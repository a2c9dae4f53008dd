/**
 * `steps.<id>` (or `steps["id"]`) inside an expression, with where each stands: the build
 * reports a reference to an unknown step once, at the reference, instead of leaving it to the
 * type checker.
 */

const STEP_REF = /(?<![\w.$])steps\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*(['"])([^'"]*)\2\s*\])/g;

export interface StepReference {
  id: string;
  /** Where the reference (`steps…`) starts in the expression. */
  index: number;
}

export function stepReferencesIn(expression: string): StepReference[] {
  return Array.from(expression.matchAll(STEP_REF), (m) => ({
    id: m[1] ?? m[3] ?? '',
    index: m.index,
  }));
}
