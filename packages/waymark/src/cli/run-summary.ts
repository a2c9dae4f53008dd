/**
 * `waymark run --summary`: the run's steps after its result — a table of status, attempts and
 * duration, or, with `--json`, the same as a `steps` list in the final object.
 */
import type { StepRecord } from '../core/step.ts';
import type { Style } from './format/style.ts';
import { formatStepsSection } from './format/run-status.ts';

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
  return [...steps]
    .sort((a, b) => a.startedAt - b.startedAt)
    .map((s) => ({
      key: s.key,
      kind: s.kind,
      status: s.status,
      attempts: s.attempt,
      durationMs:
        s.kind === 'sleep' && s.wakeAt !== null
          ? s.wakeAt - s.startedAt
          : s.finishedAt === null
            ? null
            : s.finishedAt - s.startedAt,
      ...(s.error === null ? {} : { error: { code: s.error.code, message: s.error.message } }),
    }));
}

/** The table, after a blank line. */
export function formatStepSummary(steps: StepRecord[], style: Style): string {
  return `\n${formatStepsSection(steps, style)}`;
}
