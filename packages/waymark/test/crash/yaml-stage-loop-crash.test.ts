/**
 * A YAML stage loop (three stages, `loop: max_iters: 6`) run by the real `waymark` CLI,
 * SIGKILLed twice at different points and resumed with `--resume` (see yaml-crash.ts): every
 * iteration completes exactly once in the result, a stage whose result was recorded never
 * runs again, and a kill costs at most one extra execution.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { killAllCliProcesses } from './cli-process.ts';
import { checkCrashOutcome, crashAndResume } from './yaml-crash.ts';

const WORKFLOW = fileURLToPath(
  new URL('./fixtures/ledger-stage-loop.workflow.yaml', import.meta.url),
);
const ITERATIONS = [0, 1, 2, 3, 4, 5];

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await killAllCliProcesses();
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

describe('a YAML stage loop under `waymark run`, SIGKILLed and resumed (real processes)', () => {
  it('completes every iteration once and never re-runs a recorded stage', async () => {
    await crashAndResume(
      {
        workflowFile: WORKFLOW,
        killPoints: [
          { kind: 'start', stepKey: 'stage.test[1].run_tests' }, // a steps stage, mid-step
          { kind: 'end', stepKey: 'stage.build[3]' }, // a uses stage, in its commit or after
        ],
      },
      (fn) => cleanup.push(fn),
      (outcome) => {
        expect(outcome.run.status).toBe('completed');
        expect(outcome.run.output).toEqual({ iterations: ITERATIONS });
        const keys = ITERATIONS.flatMap((i) => [
          `stage.build[${i}]`,
          `stage.test[${i}].run_tests`,
          `stage.record[${i}]`,
        ]);
        expect(outcome.steps.map((s) => [s.key, s.status])).toEqual(
          keys.map((k) => [k, 'completed']),
        );
        checkCrashOutcome(
          outcome,
          keys.filter((k) => !k.startsWith('stage.record')),
        );
      },
    );
  }, 60_000);
});
