import type { RunRecord } from '../../core/run.ts';
import type { ParkRunParams } from '../../core/store.ts';
import { insertEvents, type RunEvents } from './events.ts';
import { checkFence } from './fencing.ts';
import { eventValues, runRecordOf, type RunRow } from './rows.ts';
import type { Statements } from './statements.ts';
import type { Transaction } from './transaction.ts';

/**
 * Parks a held run. The checks read state with the run's row locked by the fencing check,
 * which is what makes them race-free: a child that ended (and found this run `running`, so
 * only set its wake time) is seen here as a settled step, and a pause requested a moment ago
 * is seen as the flag.
 */
export async function parkRun(
  tx: Transaction,
  sql: Statements,
  params: Omit<ParkRunParams, 'events'>,
  events: RunEvents,
): Promise<RunRecord> {
  const fence = await checkFence(tx, sql, params.runId, params.fencingToken);
  const explicitPause = params.status === 'paused';
  let intended = explicitPause ? 'pending' : params.status;
  let wakeAt = params.wakeAt;
  if (params.waitingOn !== undefined && params.waitingOn.length > 0) {
    const [row] = await tx.query<{ settled: boolean }>(sql.anyStepSettled, [
      params.runId,
      params.waitingOn,
    ]);
    if (row?.settled === true) {
      intended = 'pending';
      wakeAt = params.now;
    }
  }
  // A pending run without a wake time would never be claimed again.
  if (intended === 'pending' && wakeAt === null) wakeAt = params.now;
  const paused = explicitPause || fence.pause_requested;
  const [row] = await tx.query<RunRow>(sql.park, [
    params.runId,
    paused ? 'paused' : intended,
    paused ? intended : null,
    wakeAt,
    params.countRecovery === true ? 1 : 0,
    params.now,
  ]);
  const all = paused
    ? [
        ...events,
        [
          params.runId,
          eventValues({ type: 'run.paused', at: params.now, data: { pausedFrom: intended } }),
        ] as const,
      ]
    : events;
  await insertEvents(tx, sql, all);
  if (!paused && wakeAt !== null) tx.notifyDue(wakeAt);
  return runRecordOf(row as RunRow);
}
