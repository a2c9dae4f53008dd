import { NotFoundError } from '../../core/errors.ts';
import { isTerminalStatus, type RunRecord } from '../../core/run.ts';
import { insertEvents, runEvents } from './events.ts';
import { runRecordOf, type RunRow } from './rows.ts';
import type { Statements } from './statements.ts';
import type { Transaction } from './transaction.ts';

/** The run's row, locked for the rest of the transaction; NotFoundError if there is none. */
export async function lockExistingRun(
  tx: Transaction,
  sql: Statements,
  runId: string,
): Promise<RunRow> {
  const [row] = await tx.query<RunRow>(sql.lockRun, [runId]);
  if (row === undefined) throw new NotFoundError(`run ${runId} not found`);
  return row;
}

/**
 * A parked run is paused at once (remembering the status it was parked with); a running one
 * only gets the flag, which its worker sees at the next step boundary or when it parks.
 */
export async function pauseRun(
  tx: Transaction,
  sql: Statements,
  params: { runId: string; now: number },
): Promise<RunRecord> {
  const row = await lockExistingRun(tx, sql, params.runId);
  if (isTerminalStatus(row.status) || row.pause_requested) return runRecordOf(row);
  const [paused] = await tx.query<RunRow>(sql.pause, [params.runId, params.now]);
  const record = runRecordOf(paused as RunRow);
  const type = record.status === 'paused' ? 'run.paused' : 'run.pause_requested';
  await insertEvents(tx, sql, runEvents(params.runId, [{ type, at: params.now }]));
  return record;
}

export async function resumeRun(
  tx: Transaction,
  sql: Statements,
  params: { runId: string; now: number },
): Promise<RunRecord> {
  const row = await lockExistingRun(tx, sql, params.runId);
  if (isTerminalStatus(row.status)) return runRecordOf(row);
  if (!row.pause_requested && row.status !== 'paused') return runRecordOf(row);
  const [resumed] = await tx.query<RunRow>(sql.resume, [params.runId, params.now]);
  const record = runRecordOf(resumed as RunRow);
  await insertEvents(
    tx,
    sql,
    runEvents(params.runId, [{ type: 'run.resume_requested', at: params.now }]),
  );
  if (record.status === 'pending' && record.wakeAt !== null) tx.notifyDue(record.wakeAt);
  return record;
}
