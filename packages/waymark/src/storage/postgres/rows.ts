import { errorToText, toJsonText } from '../../core/json-text.ts';
import type { StepRecord } from '../../core/step.ts';
import type { RunRow as SqlRunRow } from '../../core/store-rows.ts';

export {
  eventValues,
  historyEventOf,
  runRecordOf,
  stepRecordOf,
  stepRowOf,
  type EventRow,
  type EventValues,
  type StepRow,
} from '../../core/store-rows.ts';

/** A `runs` row as `pg` returns it (bigint columns parsed as numbers, see connection.ts). */
export type RunRow = SqlRunRow<boolean>;

/** A step as the values of the step upsert, in STEP_COLUMNS order (after run_id). */
export function stepValues(step: StepRecord): StepValues {
  return [
    step.key,
    step.name,
    step.kind,
    step.status,
    step.attempt,
    toJsonText(step.output),
    errorToText(step.error),
    step.startedAt,
    step.finishedAt,
    step.wakeAt,
    step.childRunId,
  ];
}

export type StepValues = [
  key: string,
  name: string,
  kind: string,
  status: string,
  attempt: number,
  output: string | null,
  error: string | null,
  startedAt: number,
  finishedAt: number | null,
  wakeAt: number | null,
  childRunId: string | null,
];
