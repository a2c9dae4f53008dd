/**
 * `foreach.as` names the item in the expressions of the iteration, so it must be a name an
 * expression can read: not a scope name (not `item` either, the name without `as`) and not a
 * word CEL keeps for itself (`int`, `map`, `type`, `true`, `in`, …). The schema checks that it
 * is an identifier.
 */
import { type DocumentIssue, isRecord } from './document-issue.ts';
import { isDeclarableName } from './expressions/index.ts';
import { IDENTIFIER } from './schema.ts';
import { RESERVED_NAMES, reservedName } from './scope-names.ts';
import type { StepVisit } from './step-tree.ts';

export function checkForeachNames(steps: readonly StepVisit[]): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  for (const { step, path, kind } of steps) {
    const body = step.foreach;
    if (kind !== 'foreach' || !isRecord(body) || typeof body.as !== 'string') continue;
    const { as } = body;
    const at = [...path, 'foreach', 'as'];
    if (!IDENTIFIER.test(as)) continue;
    if (as === 'item') {
      issues.push({
        path: at,
        message: '"as: item" gives the item the name it has without "as"',
        hint: 'drop "as", or pick another name',
      });
    } else if (RESERVED_NAMES.has(as)) {
      issues.push(reservedName(as, at));
    } else if (!isDeclarableName(as)) {
      issues.push({
        path: at,
        message: `"${as}" cannot name the item: CEL keeps that word for itself`,
        hint: `pick another name, like "${as}_item"`,
      });
    }
  }
  return issues;
}
