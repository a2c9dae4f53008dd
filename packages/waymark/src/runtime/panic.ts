import { StoreError } from '../core/errors.ts';

/**
 * System-level failure codes: the machine or its connections failed, not the workflow's
 * logic. Such an error escaping the workflow restarts the run from its last recorded step
 * instead of failing it.
 */
const SYSTEM_ERROR_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ENOMEM',
  'EMFILE',
  'ENFILE',
  'ENOSPC',
  'ERR_WORKER_OUT_OF_MEMORY',
  'SQLITE_BUSY',
  'SQLITE_IOERR',
  'SQLITE_FULL',
]);

/**
 * A recorded step's failure (it carries its step key) is never a panic: replaying it would
 * throw the same error again, so restarting would only loop until RECOVERY_LIMIT.
 */
export function isPanicError(error: unknown): boolean {
  if ((error as { step?: unknown } | null)?.step !== undefined) return false;
  if (error instanceof StoreError) return true;
  if (error instanceof RangeError && /call stack|allocation failed/i.test(error.message))
    return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SYSTEM_ERROR_CODES.has(code);
}
