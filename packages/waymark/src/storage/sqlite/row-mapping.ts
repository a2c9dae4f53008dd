import type { NewHistoryEvent } from '../../core/history.ts';
import type { RunStatus } from '../../core/run.ts';
import type { RunRow as SqlRunRow } from '../../core/store-rows.ts';

export {
  historyEventOf,
  runRecordOf,
  stepRecordOf,
  stepRowOf,
  type EventRow,
  type StepRow,
} from '../../core/store-rows.ts';

export type RunRow = SqlRunRow<0 | 1>;

/** The columns of a runs row, in the order `runRowOf` reads them. */
export const RUN_COLUMNS = [
  'id',
  'workflow_name',
  'workflow_version',
  'status',
  'input',
  'output',
  'error',
  'parent_run_id',
  'parent_step_key',
  'idempotency_key',
  'created_at',
  'updated_at',
  'started_at',
  'finished_at',
  'wake_at',
  'deadline_at',
  'lease_owner',
  'lease_expires_at',
  'fencing_token',
  'recovery_count',
  'pause_requested',
  'paused_from',
  'definition_source',
  'definition_hash',
  'definition_file',
  'definition_nested',
] as const satisfies readonly (keyof RunRow)[];

/**
 * A runs row read as an array (a raw statement selecting RUN_COLUMNS). better-sqlite3 builds
 * an object row property by property, which past a dozen columns turns it into a slow
 * dictionary-mode object; an array and this literal are cheap.
 */
export function runRowOf(v: readonly unknown[]): RunRow {
  return {
    id: v[0] as string,
    workflow_name: v[1] as string,
    workflow_version: v[2] as string | null,
    status: v[3] as RunStatus,
    input: v[4] as string | null,
    output: v[5] as string | null,
    error: v[6] as string | null,
    parent_run_id: v[7] as string | null,
    parent_step_key: v[8] as string | null,
    idempotency_key: v[9] as string | null,
    created_at: v[10] as number,
    updated_at: v[11] as number,
    started_at: v[12] as number | null,
    finished_at: v[13] as number | null,
    wake_at: v[14] as number | null,
    deadline_at: v[15] as number | null,
    lease_owner: v[16] as string | null,
    lease_expires_at: v[17] as number | null,
    fencing_token: v[18] as number,
    recovery_count: v[19] as number,
    pause_requested: v[20] as 0 | 1,
    paused_from: v[21] as RunRow['paused_from'],
    definition_source: v[22] as string | null,
    definition_hash: v[23] as string | null,
    definition_file: v[24] as string | null,
    definition_nested: v[25] as string | null,
  };
}

/**
 * An event's bind values, positional (in `insertEvent`'s column order): binding by position
 * skips better-sqlite3's per-call name lookups on the hottest insert. Written out, not
 * `[runId, ...eventValues(event)]`: that spread made W=2000 runs peak 7 MiB higher (RSS).
 */
export function eventParams(runId: string, event: NewHistoryEvent) {
  return [
    runId,
    event.type,
    event.stepKey ?? null,
    event.attempt ?? null,
    event.at,
    event.durationMs ?? null,
    JSON.stringify(event.data ?? {}),
  ] as const;
}

export type EventParams = ReturnType<typeof eventParams>;
