/**
 * Limits on expressions. cel-js has no cost or time limit of its own, so evaluation is metered
 * here by counting AST node evaluations (see meter.ts). The meter counts work, not wall time,
 * so an expression that passes once passes on replay too: evaluation stays deterministic.
 */
export const EXPRESSION_LIMITS = {
  /** Characters in one `${ … }` expression. */
  maxLength: 2_000,
  /** Nesting of calls, member access, indexes, parentheses and literals (cel-js `maxDepth`). */
  maxDepth: 32,
  /** `${ … }` expressions in one template string. */
  maxTemplateExpressions: 50,
  /** AST node evaluations per evaluation, counting every comprehension iteration's nodes. */
  maxEvaluationSteps: 1_000_000,
  /** Characters of a string built by `+` (strings read from data may be longer). */
  maxStringLength: 1_000_000,
  /** Elements of a list built by `+`. */
  maxListLength: 100_000,
  /** Values (scalars, lists, maps) in one scope value passed in or one result handed back. */
  maxValueNodes: 1_000_000,
  /** Nesting of one scope value; cel-js walks values recursively and would overflow the stack. */
  maxValueDepth: 1_000,
} as const;
