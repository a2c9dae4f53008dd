import type { ExecutorRegistry } from '../../executors/index.ts';
import type { DocumentIssue } from '../document-issue.ts';
import { buildWorkflow, type BuildOptions } from './build.ts';
import { buildOptionsFor, checkExecutorArguments } from './check-executor-args.ts';

/**
 * Type-checks every `${ }` of a document (which may be malformed) against the scope where it
 * stands: unknown names, non-bool `if`/`when`/`stop_when`, templates in literal-only
 * arguments. References to unknown steps are left to the step-reference check.
 */
export function checkExpressions(document: unknown, options: BuildOptions = {}): DocumentIssue[] {
  return buildWorkflow(document, options).issues;
}

/**
 * The expressions, and the executors' arguments against their schemas (the literal ones; a
 * value with a `${ }` is checked when the step runs). Unknown executors are left to the
 * semantic checks.
 */
export function checkExpressionsAndArguments(
  document: unknown,
  executors: ExecutorRegistry,
): DocumentIssue[] {
  const built = buildWorkflow(document, buildOptionsFor(executors));
  return [...built.issues, ...checkExecutorArguments(built, executors, { reportUnknown: false })];
}
