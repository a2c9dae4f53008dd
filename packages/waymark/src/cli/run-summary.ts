/**
 * `waymark run --summary --json`: the run's steps as a `steps` list in the final object (the
 * text form is the `Steps` table of `waymark status`, formatStepsSection).
 */
import type { StepRecord } from '../core/step.ts';
import { byStart, stepDurationMs } from './format/run-status.ts';

export interface StepSummary {
  key: string;
  kind: StepRecord['kind'];
  status: StepRecord['status'];
  attempts: number;
  /** From the step's start to its end (a sleep's: to its wake time); null while unsettled. */
  durationMs: number | null;
  error?: { code: string; message: string };
}

export function stepSummaries(steps: readonly StepRecord[]): StepSummary[] {
  return byStart(steps).map((s) => ({
    key: s.key,
    kind: s.kind,
    status: s.status,
    attempts: s.attempt,
    durationMs: stepDurationMs(s),
    ...(s.error === null ? {} : { error: { code: s.error.code, message: s.error.message } }),
  }));
}
