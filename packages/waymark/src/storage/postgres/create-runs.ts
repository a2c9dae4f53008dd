import { claimEvent } from '../../core/history.ts';
import type { RunRecord } from '../../core/run.ts';
import { toJsonText } from '../../core/json-text.ts';
import type { StepRecord } from '../../core/step.ts';
import type { ClaimedRun, CreateRunParams, RunControl } from '../../core/store.ts';
import { outcomeOfEndedRun } from '../../core/child-outcome.ts';
import { insertEvents, type RunEvents } from './events.ts';
import { checkFence } from './fencing.ts';
import { type BulkWrite, columnsOf, type Outcome } from './group-commit.ts';
import { eventValues, runRecord, stepValues, type EventValues, type RunRow } from './rows.ts';
import type { Statements } from './statements.ts';
import type { Transaction } from './transaction.ts';

/** A createRun, encoded before it is queued: the createRuns statement's values. */
export interface RunWrite {
  id: string;
  idempotencyKey: string | null;
  wakeAt: number;
  /** Claimed at once by this worker (an eager start). */
  claim: { workerId: string; leaseMs: number } | null;
  /** Columns 2–15 of createRuns (id … definition_nested), then the claim's worker and lease. */
  values: unknown[];
  /** The creation's events, and the claim's when it claims. */
  events: EventValues[];
}

export function encodeRun(
  params: CreateRunParams,
  parent?: { runId: string; stepKey: string },
  claim?: { workerId: string; leaseMs: number },
): RunWrite {
  const wakeAt = params.wakeAt ?? params.now;
  const idempotencyKey = params.idempotencyKey ?? null;
  const events = params.events.map(eventValues);
  if (claim !== undefined) {
    const claimed = {
      recovered: false,
      fencingToken: 1,
      leaseOwner: claim.workerId,
      recoveryCount: 0,
    };
    events.push(eventValues(claimEvent(claimed, params.now)));
  }
  return {
    id: params.id,
    idempotencyKey,
    wakeAt,
    claim: claim ?? null,
    values: [
      params.id,
      params.workflowName,
      params.workflowVersion,
      toJsonText(params.input),
      parent?.runId ?? params.parentRunId ?? null,
      parent?.stepKey ?? params.parentStepKey ?? null,
      idempotencyKey,
      params.now,
      wakeAt,
      params.deadlineAt ?? null,
      params.definition?.source ?? null,
      params.definition?.hash ?? null,
      params.definition?.file ?? null,
      toJsonText(params.definition?.nested),
      claim?.workerId ?? null,
      claim?.leaseMs ?? null,
    ],
    events,
  };
}

export interface CreatedRun {
  run: RunRecord | ClaimedRun;
  created: boolean;
  row: RunRow;
}

/**
 * createRun as a bulk write: one statement inserts the segment's runs (claimed at once when
 * asked) with their events. A used idempotency key (or id) inserts nothing — no error, so
 * the batch goes on, and a concurrent creation in another process loses to the unique index
 * the same way — and the existing run is returned instead.
 */
export const createRunsBulk: BulkWrite<RunWrite> = {
  name: 'createRun',
  key: (write) => write.id,
  // Creations with one idempotency key stay in order too: the first creates, later ones find it.
  runs: (write) =>
    write.idempotencyKey === null ? [write.id] : [write.id, `key:${write.idempotencyKey}`],
  async apply(tx: Transaction, sql: Statements, writes: RunWrite[]): Promise<Outcome[]> {
    const rows = await tx.query<RunRow & { i: number }>(sql.createRuns, [
      ...columnsOf(
        writes.map((w, i) => [i, ...w.values]),
        17,
      ),
      ...columnsOf(
        writes.flatMap((w, i) => w.events.map((event) => [i, ...event])),
        7,
      ),
    ]);
    const inserted = new Map(rows.map((row) => [row.i, row]));
    const outcomes: Outcome[] = [];
    for (const [i, write] of writes.entries()) {
      const row = inserted.get(i);
      if (row === undefined) {
        const existing = await existingRun(tx, sql, write);
        outcomes.push({
          ok: true,
          value: { run: runRecord(existing), created: false, row: existing },
        });
        continue;
      }
      const run = write.claim === null ? runRecord(row) : { ...runRecord(row), recovered: false };
      if (write.claim === null) tx.notifyDue(write.wakeAt);
      outcomes.push({ ok: true, value: { run, created: true, row } satisfies CreatedRun });
    }
    return outcomes;
  },
};

async function existingRun(tx: Transaction, sql: Statements, run: RunWrite): Promise<RunRow> {
  if (run.idempotencyKey !== null) {
    const [byKey] = await tx.query<RunRow>(sql.getRunByIdempotencyKey, [run.idempotencyKey]);
    if (byKey !== undefined) return byKey;
  }
  // Not the key: the id was taken. Starting again with the same id returns that run.
  const [byId] = await tx.query<RunRow>(sql.getRun, [run.id]);
  if (byId === undefined) throw new Error(`run ${run.id} conflicted but cannot be found`);
  return byId;
}

/**
 * Creates (or links, by idempotency key) a child and records the parent's step pointing at
 * it. A linked child that already ended settles the step at once, since no later end of
 * that child will.
 */
export async function startChildRun(
  tx: Transaction,
  sql: Statements,
  params: {
    runId: string;
    fencingToken: number;
    now: number;
    step: StepRecord;
    child: RunWrite;
    events: RunEvents;
  },
): Promise<{ row: RunRow; control: RunControl }> {
  const fence = await checkFence(tx, sql, params.runId, params.fencingToken);
  const [outcome] = await createRunsBulk.apply(tx, sql, [params.child]);
  if (outcome?.ok !== true) throw (outcome as { error: unknown } | undefined)?.error;
  const { row, created } = outcome.value as CreatedRun;
  const ended = created ? null : outcomeOfEndedRun(row);
  const step: StepRecord = { ...params.step, childRunId: row.id };
  if (ended !== null) {
    step.status = ended.status;
    step.output = ended.output === null ? undefined : JSON.parse(ended.output);
    step.error = ended.error;
    step.finishedAt = params.now;
    step.wakeAt = null;
  }
  await tx.query(sql.upsertStep, [params.runId, ...stepValues(step)]);
  await insertEvents(tx, sql, params.events);
  return { row, control: { pauseRequested: fence.pause_requested } };
}
