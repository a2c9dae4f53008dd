import { claimEvent } from '../../core/history.ts';
import type { ClaimedRun, ClaimRunsParams } from '../../core/store.ts';
import { insertEvents } from './events.ts';
import { eventValues, runRecordOf, type RunRow } from './rows.ts';
import type { Statements } from './statements.ts';
import type { Transaction } from './transaction.ts';

/**
 * Claims due runs in one statement (`FOR UPDATE SKIP LOCKED`): claimers in other processes
 * skip the rows this one is taking instead of waiting for them, and never get the same run.
 * Each claim records its event (`run.started`, `run.resumed` or `run.recovered`) in the same
 * transaction. Runs come back in due order.
 */
export async function claimRuns(
  tx: Transaction,
  sql: Statements,
  params: ClaimRunsParams,
): Promise<ClaimedRun[]> {
  const limit = Math.floor(params.limit);
  if (!(limit > 0) || params.workflows?.length === 0) return [];
  const rows = await tx.query<RunRow & { recovered: boolean; due_at: number }>(sql.claim, [
    params.workerId,
    params.now,
    params.leaseMs,
    limit,
    params.workflows ?? null,
  ]);
  rows.sort((a, b) => a.due_at - b.due_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const claimed = rows.map((row) => runRecordOf(row, row.recovered));
  await insertEvents(
    tx,
    sql,
    claimed.map((run) => [run.id, eventValues(claimEvent(run, params.now))]),
  );
  return claimed;
}
