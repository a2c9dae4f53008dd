import { listLimit, listStatuses, pageOf } from '../../core/list-limit.ts';
import type { RunRecord } from '../../core/run.ts';
import type { ListRunsParams } from '../../core/store.ts';
import type { Queryable, Statement } from './connection.ts';
import { runRecordOf, type RunRow } from './rows.ts';

/**
 * Run listings, newest first (UUIDv7 ids sort by creation time), paged by the last id seen.
 * One statement per combination of filters, so each keeps a plan that uses its index.
 */
export async function listRuns(
  db: Queryable,
  params: ListRunsParams,
): Promise<{ runs: RunRecord[]; nextCursor: string | null }> {
  const limit = listLimit(params.limit);
  const statuses = listStatuses(params.status);
  const values: unknown[] = [limit + 1];
  const where: string[] = [];
  const filters: string[] = [];
  const add = (name: string, condition: (param: string) => string, value: unknown) => {
    values.push(value);
    where.push(condition(`$${values.length}`));
    filters.push(name);
  };
  if (statuses !== undefined) add('status', (p) => `status = ANY(${p}::text[])`, statuses);
  if (params.workflow !== undefined)
    add('workflow', (p) => `workflow_name = ${p}`, params.workflow);
  if (params.parentRunId !== undefined) {
    add('parent', (p) => `parent_run_id = ${p}`, params.parentRunId);
  }
  if (params.cursor !== undefined && params.cursor !== null) {
    add('cursor', (p) => `id < ${p}`, params.cursor);
  }
  const statement: Statement = {
    name: `waymark_list_runs${filters.map((f) => `_${f}`).join('')}`,
    text: `SELECT * FROM runs ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
      ORDER BY id DESC LIMIT $1`,
  };
  const rows = await db.query<RunRow>(statement, values);
  const { page, nextCursor } = pageOf(rows, limit);
  return { runs: page.map((row) => runRecordOf(row)), nextCursor };
}
