import type Database from 'better-sqlite3';
import type { RunRecord } from '../../core/run.ts';
import { listLimit, listStatuses, pageOf } from '../../core/list-limit.ts';
import type { ListRunsParams } from '../../core/store.ts';
import { runRecordOf } from './row-mapping.ts';
import { RUN_SELECT, runRows, type RunRowStatement } from './statements.ts';

/**
 * Run listings, newest first (UUIDv7 ids sort by creation time), paged by the last id seen.
 * One statement per combination of filters, prepared on first use: a single statement with
 * `(@x IS NULL OR …)` terms would hide the workflow and parent indexes from the planner.
 */
export class RunLister {
  private readonly statements = new Map<string, RunRowStatement>();

  constructor(private readonly db: Database.Database) {}

  list(params: ListRunsParams): { runs: RunRecord[]; nextCursor: string | null } {
    const limit = listLimit(params.limit);
    const statuses = listStatuses(params.status);
    const bind: Record<string, string | number> = { limit: limit + 1 };
    const where: string[] = [];
    if (statuses !== undefined) {
      where.push('status IN (SELECT value FROM json_each(@statuses))');
      bind['statuses'] = JSON.stringify(statuses);
    }
    if (params.workflow !== undefined) {
      where.push('workflow_name = @workflow');
      bind['workflow'] = params.workflow;
    }
    if (params.parentRunId !== undefined) {
      where.push('parent_run_id = @parent');
      bind['parent'] = params.parentRunId;
    }
    if (params.cursor !== undefined && params.cursor !== null) {
      where.push('id < @cursor');
      bind['cursor'] = params.cursor;
    }
    const rows = this.statement(where).all(bind);
    const { page, nextCursor } = pageOf(rows, limit);
    return { runs: page.map((row) => runRecordOf(row)), nextCursor };
  }

  private statement(where: string[]): RunRowStatement {
    const key = where.join(' AND ');
    let statement = this.statements.get(key);
    if (statement === undefined) {
      statement = runRows(
        this.db.prepare(
          `SELECT ${RUN_SELECT} FROM runs ${key === '' ? '' : `WHERE ${key}`} ORDER BY id DESC LIMIT @limit`,
        ),
      );
      this.statements.set(key, statement);
    }
    return statement;
  }
}
