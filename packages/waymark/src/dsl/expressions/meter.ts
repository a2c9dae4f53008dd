/**
 * Bounds the work of one evaluation. cel-js 8 has no cost limit, and a comprehension nested in
 * a comprehension over step output can run for minutes, so every node of a parsed expression
 * (including the nodes macros like `map` and `all` expand into, which run once per element) is
 * wrapped to count its evaluations, and `+` nodes check the size of what they build (repeated
 * `cel.bind(b, a + a, …)` doubles a string per level).
 *
 * This reaches into cel-js's AST: nodes are class instances whose `evaluate` method replaces
 * itself with the operator's function on first call, and macro expansions hang off
 * `node.meta.alternate`. The version is pinned, and the cost-limit tests in safety.test.ts
 * fail if an upgrade changes that shape.
 */
import { EXPRESSION_LIMITS } from './limits.ts';
import { limitError } from './values.ts';

type Evaluate = (this: unknown, ev: unknown, ast: unknown, ctx: unknown) => unknown;

export interface Meter {
  /** Call before each evaluation. */
  reset(): void;
  /** The limit an evaluation ran into, if any (cel-js can swallow errors inside `exists`). */
  readonly violation: Error | undefined;
  /** Number of AST nodes wrapped. */
  readonly nodes: number;
}

export function meterAst(root: object): Meter {
  const AstNode = root.constructor;
  let steps = 0;
  let violation: Error | undefined;
  let count = 0;

  const fail = (error: Error): never => {
    violation ??= error;
    throw violation;
  };

  const wrap = (node: { op?: unknown }): void => {
    let inner = (Object.getPrototypeOf(node) as { evaluate: Evaluate }).evaluate;
    const checksSize = node.op === '+';
    const metered: Evaluate = function (ev, ast, ctx) {
      if (violation !== undefined) throw violation;
      if (++steps > EXPRESSION_LIMITS.maxEvaluationSteps) {
        fail(
          limitError(
            `evaluation took more than ${EXPRESSION_LIMITS.maxEvaluationSteps} steps (the cost limit)`,
          ),
        );
      }
      const result = inner.call(this, ev, ast, ctx);
      if (checksSize) checkSize(result, fail);
      return result;
    };
    Object.defineProperty(node, 'evaluate', {
      configurable: true,
      get: () => metered,
      // cel-js caches the operator's evaluate on the node; keep it behind the meter.
      set: (fn: Evaluate) => {
        inner = fn;
      },
    });
    count += 1;
  };

  const seen = new Set<unknown>();
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (value instanceof AstNode) {
      const node = value as { args?: unknown; meta?: Record<string, unknown>; op?: unknown };
      wrap(node);
      pending.push(node.args, node.meta?.alternate, node.meta?.macro);
    } else if (Array.isArray(value)) {
      pending.push(...(value as unknown[]));
    } else if (Object.getPrototypeOf(value) === Object.prototype) {
      pending.push(...Object.values(value));
    }
  }

  return {
    reset: () => {
      steps = 0;
      violation = undefined;
    },
    get violation() {
      return violation;
    },
    nodes: count,
  };
}

function checkSize(result: unknown, fail: (error: Error) => never): void {
  if (typeof result === 'string' && result.length > EXPRESSION_LIMITS.maxStringLength) {
    fail(limitError(`a string built by + exceeds ${EXPRESSION_LIMITS.maxStringLength} characters`));
  }
  if (Array.isArray(result) && result.length > EXPRESSION_LIMITS.maxListLength) {
    fail(limitError(`a list built by + exceeds ${EXPRESSION_LIMITS.maxListLength} elements`));
  }
}
