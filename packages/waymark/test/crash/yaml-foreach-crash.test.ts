/**
 * A YAML foreach of 20 shell steps run by the real `waymark` CLI, SIGKILLed three times at
 * different points and resumed with `--resume` each time (see yaml-crash.ts): every item
 * completes exactly once in the result, a step whose result was recorded never runs again,
 * and a kill costs at most one extra execution.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { killAllCliProcesses } from './cli-process.ts';
import { checkCrashOutcome, crashAndResume } from './yaml-crash.ts';

const WORKFLOW = fileURLToPath(new URL('./fixtures/ledger-foreach.workflow.yaml', import.meta.url));
const ITEMS = 20;
const keyOf = (i: number): string => `each[${i}].append`;

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await killAllCliProcesses();
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

describe('a YAML foreach under `waymark run`, SIGKILLed and resumed (real processes)', () => {
  it('completes every item once and never re-runs a recorded step', async () => {
    await crashAndResume(
      {
        workflowFile: WORKFLOW,
        killPoints: [
          { kind: 'start', stepKey: keyOf(3) }, // during the step: it runs again
          { kind: 'end', stepKey: keyOf(9) }, // work done, result recorded or not: wherever it lands
          { kind: 'start', stepKey: keyOf(15) },
        ],
      },
      (fn) => cleanup.push(fn),
      (outcome) => {
        const items = Array.from({ length: ITEMS }, (_, i) => i);
        expect(outcome.run.status).toBe('completed');
        expect(outcome.run.output).toEqual(items.map((i) => ({ append: String(i) })));
        expect(outcome.steps.map((s) => [s.key, s.status])).toEqual(
          items.map((i) => [keyOf(i), 'completed']),
        );
        checkCrashOutcome(outcome, items.map(keyOf));
      },
    );
  }, 60_000);
});
