import type { RunRecord } from '../../core/run.ts';
import type { ParkRunParams } from '../../core/store.ts';
import { checkFence } from './fencing.ts';
import { eventParams, runRecordOf, type EventParams, type RunRow } from './row-mapping.ts';
import type { Statements } from './statements.ts';

/**
 * Parks a held run. The checks read state inside the write transaction, which is what makes
 * them race-free: a child that ended (and found this run `running`, so only set its wake
 * time) is seen here as a settled step, and a pause requested a moment ago is seen as the
 * flag.
 */
export function parkRun(
  sql: Statements,
  params: Omit<ParkRunParams, 'events'>,
  events: EventParams[],
): RunRecord {
  const fence = checkFence(sql, params.runId, params.fencingToken);
  const explicitPause = params.status === 'paused';
  let intended = explicitPause ? 'pending' : params.status;
  let wakeAt = params.wakeAt;
  if (params.waitingOn !== undefined && params.waitingOn.length > 0) {
    const { settled } = sql.anyStepSettled.get({
      run_id: params.runId,
      keys: JSON.stringify(params.waitingOn),
    }) as { settled: 0 | 1 };
    if (settled === 1) {
      intended = 'pending';
      wakeAt = params.now;
    }
  }
  // A pending run without a wake time would never be claimed again.
  if (intended === 'pending' && wakeAt === null) wakeAt = params.now;
  const paused = explicitPause || fence.pause_requested === 1;
  sql.park.run({
    id: params.runId,
    status: paused ? 'paused' : intended,
    paused_from: paused ? intended : null,
    wake_at: wakeAt,
    recovery: params.countRecovery === true ? 1 : 0,
    now: params.now,
  });
  const row = sql.getRun.get(params.runId) as RunRow;
  for (const event of events) sql.insertEvent.run(event);
  if (paused) {
    sql.insertEvent.run(
      eventParams(params.runId, {
        type: 'run.paused',
        at: params.now,
        data: { pausedFrom: intended },
      }),
    );
  }
  return runRecordOf(row);
}
