import { LeaseLostError } from '../../core/errors.ts';
import type { RunStatus } from '../../core/run.ts';
import type { Statements } from './statements.ts';

export interface FenceRow {
  status: RunStatus;
  fencing_token: number;
  lease_owner: string | null;
  pause_requested: 0 | 1;
  recovery_count: number;
}

/**
 * The fencing check, run in the write transaction before the write changes anything (what
 * group commit's `checksFirst` relies on): the run must be `running` with exactly this token.
 * Reading the row under the transaction's write lock means no claim can slip in between the
 * check and the write that follows.
 */
export function checkFence(sql: Statements, runId: string, fencingToken: number): FenceRow {
  const row = sql.fence.get(runId) as FenceRow | undefined;
  if (row === undefined) {
    throw new LeaseLostError(`run ${runId} does not exist (fencing token ${fencingToken})`);
  }
  if (!isFencedBy(row, fencingToken)) {
    throw new LeaseLostError(
      `lease on run ${runId} lost: write with fencing token ${fencingToken}, but the run is ` +
        `${row.status} with token ${row.fencing_token}`,
    );
  }
  return row;
}

/** Whether the run (its `fence` row) is `running` under exactly this fencing token. */
export function isFencedBy(row: FenceRow, fencingToken: number): boolean {
  return row.status === 'running' && row.fencing_token === fencingToken;
}
