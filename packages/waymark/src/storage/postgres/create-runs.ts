import { claimEvent } from '../../core/history.ts';
import type { StepRecord } from '../../core/step.ts';
import type { ClaimedRun, CreateRunParams, RunControl } from '../../core/store.ts';
import { outcomeOfEndedRun } from './child-outcome.ts';
import { insertEvents, runEvents, type RunEvents } from './events.ts';
import { checkFence } from './fencing.ts';
import { eventValues, runRecord, stepValues, toJsonText, type RunRow } from './rows.ts';
import type { Statements } from './statements.ts';
import type { Transaction } from './transaction.ts';

/** A run to insert, encoded before the write is queued: insertRun's first 13 values. */
export interface EncodedRun {
  values: unknown[];
  id: string;
  idempotencyKey: string | null;
  wakeAt: number;
  events: RunEvents;
}

export function encodeRun(
  params: CreateRunParams,
  parent?: { runId: string; stepKey: string },
): EncodedRun {
  const wakeAt = params.wakeAt ?? params.now;
  const idempotencyKey = params.idempotencyKey ?? null;
  return {
    id: params.id,
    idempotencyKey,
    wakeAt,
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
    ],
    events: runEvents(params.id, params.events),
  };
}

/**
 * Inserts the run, claimed by `claim.workerId` at once when given (an eager start), unless
 * its idempotency key (or id) is taken: then the existing run is returned. The insert does
 * nothing on a conflict instead of failing, so a concurrent creation with the same key in
 * another process leaves this transaction usable; the unique index decides the winner.
 */
export async function insertRun(
  tx: Transaction,
  sql: Statements,
  run: EncodedRun,
  claim?: { workerId: string; leaseMs: number; now: number },
): Promise<{ row: RunRow; created: boolean; claimed: ClaimedRun | null }> {
  const [inserted] = await tx.query<RunRow>(sql.insertRun, [
    ...run.values,
    claim?.workerId ?? null,
    claim?.leaseMs ?? null,
  ]);
  if (inserted === undefined)
    return { row: await existing(tx, sql, run), created: false, claimed: null };
  let claimed: ClaimedRun | null = null;
  let events = run.events;
  if (claim !== undefined) {
    claimed = { ...runRecord(inserted), recovered: false };
    events = [...events, [run.id, eventValues(claimEvent(claimed, claim.now))]];
  } else {
    tx.notifyDue(run.wakeAt);
  }
  await insertEvents(tx, sql, events);
  return { row: inserted, created: true, claimed };
}

async function existing(tx: Transaction, sql: Statements, run: EncodedRun): Promise<RunRow> {
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
    child: EncodedRun;
    events: RunEvents;
  },
): Promise<{ row: RunRow; control: RunControl }> {
  const fence = await checkFence(tx, sql, params.runId, params.fencingToken);
  const { row, created } = await insertRun(tx, sql, params.child);
  const outcome = created ? null : outcomeOfEndedRun(row);
  const step: StepRecord = { ...params.step, childRunId: row.id };
  if (outcome !== null) {
    step.status = outcome.status;
    step.output = outcome.output === null ? undefined : JSON.parse(outcome.output);
    step.error = outcome.error;
    step.finishedAt = params.now;
    step.wakeAt = null;
  }
  await tx.query(sql.upsertStep, [params.runId, ...stepValues(step)]);
  await insertEvents(tx, sql, params.events);
  return { row, control: { pauseRequested: fence.pause_requested } };
}
