import type { DocumentIssue } from '../document-issue.ts';
import { buildWorkflow, type BuildOptions } from './build.ts';

/**
 * Type-checks every `${ }` of a document (which may be malformed) against the scope where it
 * stands: unknown names, non-bool `if`/`when`/`stop_when`, templates in literal-only
 * arguments. References to unknown steps are left to the step-reference check.
 */
export function checkExpressions(document: unknown, options: BuildOptions = {}): DocumentIssue[] {
  return buildWorkflow(document, options).issues;
}
