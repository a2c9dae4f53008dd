import { ValidationError } from './errors.ts';
import type { RunStatus } from './run.ts';

/** A page of `listRuns`: 50 runs unless asked otherwise, never more than 1000 (see ListRunsParams). */
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 1000;

/** The page size a store uses for the `limit` it was given. */
export function listLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIST_LIMIT;
  return Math.min(MAX_LIST_LIMIT, Math.max(1, Math.floor(limit)));
}

/** The `status` filter of `listRuns` as a list (undefined: any status). */
export function listStatuses(
  status: RunStatus | readonly RunStatus[] | undefined,
): readonly RunStatus[] | undefined {
  return status === undefined ? undefined : typeof status === 'string' ? [status] : status;
}

/**
 * The page out of `limit + 1` rows read newest first (UUIDv7 ids), and the cursor to the next
 * page: the last id on this one when there was a row more.
 */
export function pageOf<R extends { id: string }>(
  rows: readonly R[],
  limit: number,
): { page: readonly R[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { page, nextCursor: more ? (page.at(-1)?.id ?? null) : null };
}

/** Most ids one `listEndedRuns` call takes. */
export const MAX_ENDED_RUNS_READ = 1000;

/** Refuses a `listEndedRuns` call with more ids than MAX_ENDED_RUNS_READ. */
export function checkEndedRunsRead(runIds: readonly string[]): void {
  if (runIds.length > MAX_ENDED_RUNS_READ) {
    throw new ValidationError(
      `listEndedRuns takes at most ${MAX_ENDED_RUNS_READ} run ids at once, got ${runIds.length}`,
    );
  }
}
