import { claimEvent } from '../../core/history.ts';
import type { ClaimedRun, ClaimRunsParams } from '../../core/store.ts';
import { eventParams, runRecordOf, type RunRow } from './row-mapping.ts';
import { PARKED, type Statements } from './statements.ts';

interface Candidate {
  row: RunRow;
  dueAt: number;
}

/**
 * Runs inside one write transaction, so two workers (or two processes) never get the same
 * run: the second one's BEGIN IMMEDIATE waits until the first committed, then reads the
 * claimed runs as `running` with a fresh lease. Each claim records its event
 * (`run.started`, `run.resumed` or `run.recovered`) in the same transaction.
 */
export function claimRuns(sql: Statements, params: ClaimRunsParams): ClaimedRun[] {
  const limit = Math.floor(params.limit);
  if (!(limit > 0) || params.workflows?.length === 0) return [];
  const workflows = params.workflows === undefined ? null : JSON.stringify(params.workflows);
  const filter = { now: params.now, limit, workflows };

  // Each status is an ordered index scan capped at `limit`; merging them is cheaper than
  // one OR query that has to sort every due run. An expired lease is due since it expired.
  const candidates: Candidate[] = [];
  for (const status of PARKED) {
    for (const row of sql.dueParked.all({ ...filter, status }) as RunRow[]) {
      candidates.push({ row, dueAt: row.wake_at as number });
    }
  }
  for (const row of sql.expiredLeases.all(filter) as RunRow[]) {
    candidates.push({ row, dueAt: row.lease_expires_at as number });
  }
  candidates.sort((a, b) => a.dueAt - b.dueAt || (a.row.id < b.row.id ? -1 : 1));

  return candidates.slice(0, limit).map(({ row }) => claimRun(sql, row, params));
}

/**
 * Claims one due run (in the caller's write transaction) and records the claim's event. The
 * claimed row is `row` as the claim UPDATE leaves it, computed here rather than read back
 * (the conformance suite checks it equals the stored run).
 */
function claimRun(
  sql: Statements,
  row: RunRow,
  params: { workerId: string; now: number; leaseMs: number },
): ClaimedRun {
  const recovered = row.status === 'running';
  const expires = params.now + params.leaseMs;
  sql.claim.run({
    id: row.id,
    owner: params.workerId,
    expires,
    now: params.now,
    recovered: recovered ? 1 : 0,
  });
  // `row` is this claim's own copy: updated in place, as the UPDATE left it.
  row.status = 'running';
  row.lease_owner = params.workerId;
  row.lease_expires_at = expires;
  row.fencing_token += 1;
  row.started_at ??= params.now;
  if (recovered) row.recovery_count += 1;
  row.wake_at = null;
  row.updated_at = params.now;
  const run = runRecordOf(row, recovered);
  sql.insertEvent.run(eventParams(run.id, claimEvent(run, params.now)));
  return run;
}
