import { LeaseLostError } from '../../core/errors.ts';
import type { RunStatus } from '../../core/run.ts';
import type { Statements } from './statements.ts';
import type { Transaction } from './transaction.ts';

export interface FenceRow {
  status: RunStatus;
  fencing_token: number;
  pause_requested: boolean;
  recovery_count: number;
}

/**
 * The fencing check: the run must be `running` with exactly this token. The row stays locked
 * (FOR UPDATE) until the transaction ends, so no claim can slip in between the check and the
 * writes that follow.
 */
export async function checkFence(
  tx: Transaction,
  sql: Statements,
  runId: string,
  fencingToken: number,
): Promise<FenceRow> {
  const [row] = await tx.query<FenceRow>(sql.fence, [runId]);
  if (row === undefined || row.status !== 'running' || row.fencing_token !== fencingToken) {
    throw leaseLostError(runId, fencingToken, row);
  }
  return row;
}

export function leaseLostError(
  runId: string,
  fencingToken: number,
  row: FenceRow | undefined,
): LeaseLostError {
  if (row === undefined) {
    return new LeaseLostError(`run ${runId} does not exist (fencing token ${fencingToken})`);
  }
  return new LeaseLostError(
    `lease on run ${runId} lost: write with fencing token ${fencingToken}, but the run is ` +
      `${row.status} with token ${row.fencing_token}`,
  );
}
