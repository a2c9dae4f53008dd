/**
 * Which steps take a `timeout`. An executor step's bounds each attempt; a `run`'s bounds the
 * child run; any other step but a `wait` gets a deadline for the whole (each attempt when it
 * is retried), recorded under its id — so a `steps` or `switch` with one needs an id. A `wait`
 * has nothing to bound: it ends when its time comes.
 */
import type { DocumentIssue } from './document-issue.ts';
import type { StepVisit } from './step-tree.ts';

export function checkTimeouts(steps: readonly StepVisit[]): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  for (const { step, path, kind } of steps) {
    if (step.timeout === undefined) continue;
    if (kind === 'wait') {
      issues.push({
        path: [...path, 'timeout'],
        atKey: true,
        message: 'a wait step takes no timeout: it ends when its time comes',
        hint: 'to wait at most so long, put the wait in a steps group with an id and the timeout',
      });
    } else if ((kind === 'steps' || kind === 'switch') && step.id === undefined) {
      // A retried one is reported once, by checkRetries.
      if (step.on_failure === 'retry' || step.retry !== undefined) continue;
      issues.push({
        path,
        message: `this ${kind} step has a timeout, so it needs an "id"`,
        hint: 'its deadline is recorded under the id, so a resumed run keeps it',
      });
    }
  }
  return issues;
}
