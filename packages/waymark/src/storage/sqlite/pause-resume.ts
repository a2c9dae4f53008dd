import { NotFoundError } from '../../core/errors.ts';
import { isTerminalStatus, type RunRecord } from '../../core/run.ts';
import { eventParams, runRecordOf, type RunRow } from './row-mapping.ts';
import type { Statements } from './statements.ts';

export function existingRun(sql: Statements, runId: string): RunRow {
  const row = sql.getRun.get(runId) as RunRow | undefined;
  if (row === undefined) throw new NotFoundError(`run ${runId} not found`);
  return row;
}

/**
 * A parked run is paused at once (remembering the status it was parked with); a running one
 * only gets the flag, which its worker sees at the next step boundary or when it parks.
 */
export function pauseRun(sql: Statements, params: { runId: string; now: number }): RunRecord {
  const row = existingRun(sql, params.runId);
  if (isTerminalStatus(row.status) || row.pause_requested === 1) return runRecordOf(row);
  const paused = sql.pause.get({ id: params.runId, now: params.now }) as RunRow;
  const type = paused.status === 'paused' ? 'run.paused' : 'run.pause_requested';
  sql.insertEvent.run(eventParams(params.runId, { type, at: params.now }));
  return runRecordOf(paused);
}

export function resumeRun(sql: Statements, params: { runId: string; now: number }): RunRecord {
  const row = existingRun(sql, params.runId);
  if (isTerminalStatus(row.status)) return runRecordOf(row);
  if (row.pause_requested === 0 && row.status !== 'paused') return runRecordOf(row);
  const resumed = sql.resume.get({ id: params.runId, now: params.now }) as RunRow;
  sql.insertEvent.run(eventParams(params.runId, { type: 'run.resume_requested', at: params.now }));
  return runRecordOf(resumed);
}
