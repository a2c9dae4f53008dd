/**
 * Which steps can be retried. An executor step retries itself, attempt by attempt; a group,
 * parallel, foreach, switch or loop is retried as a whole, its steps running again under
 * `<id>.attempt[<n>].`, so it needs an id. A `run` or a `wait` cannot be retried.
 */
import type { DocumentIssue } from './document-issue.ts';
import type { StepVisit } from './step-tree.ts';

export function checkRetries(steps: readonly StepVisit[]): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  for (const { step, path, kind } of steps) {
    const retryKey =
      step.on_failure === 'retry' ? 'on_failure' : step.retry !== undefined ? 'retry' : undefined;
    if (retryKey === undefined) continue;
    if (kind === 'run' || kind === 'wait') {
      issues.push({
        path: [...path, retryKey],
        message: `a ${kind} step cannot be retried`,
        hint:
          kind === 'run'
            ? "retry the child workflow's own steps (on_failure: retry or retry on them)"
            : 'a wait does not fail; retry the step it waits for',
      });
    } else if ((kind === 'steps' || kind === 'switch') && step.id === undefined) {
      issues.push({
        path,
        message: `this ${kind} step is retried as a whole, so it needs an "id"`,
        hint: 'each attempt runs its steps again under <id>.attempt[<n>]',
      });
    }
  }
  return issues;
}
