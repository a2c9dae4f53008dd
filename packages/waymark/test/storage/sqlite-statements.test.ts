import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/storage/sqlite/index.ts';
import { prepareStatements } from '../../src/storage/sqlite/statements.ts';
import { tempDir } from '../temp-dir.ts';
import { opcodes, queryPlan } from './sqlite-explain.ts';

/**
 * The statements of a run's life: create, claim, heartbeat, steps, events, park, end, and a
 * child's end settling its parent. An IN list of three or more constants, or a RETURNING,
 * makes SQLite build an ephemeral b-tree with its own page cache each time the statement runs
 * — on this path, in a young process, a heap grow, page faults and a trim per write.
 */
const RUN_PATH = [
  'insertRun',
  'insertClaimedRun',
  'fence',
  'claim',
  'extendLease',
  'release',
  'park',
  'anyStepSettled',
  'resetRecovery',
  'finish',
  'endedRun',
  'upsertStep',
  'insertEvent',
  'linkedSteps',
  'settleLinkedSteps',
  'parentStep',
  'settleParentStep',
  'wake',
] as const;

/** `check` on the statements, prepared on a fresh store's file. */
async function withStatements(
  check: (db: Database.Database, statements: ReturnType<typeof prepareStatements>) => void,
): Promise<void> {
  const path = join(tempDir('waymark-statements-'), 'w.db');
  await (await openSqliteStore({ path })).close();
  const db = new Database(path, { readonly: true });
  try {
    check(db, prepareStatements(db));
  } finally {
    db.close();
  }
}

describe('SQLite statements', () => {
  it('on a run’s path open no ephemeral table', async () => {
    await withStatements((db, statements) => {
      const withEphemeral = RUN_PATH.filter((name) =>
        opcodes(db, statements[name].source).includes('OpenEphemeral'),
      );
      expect(withEphemeral).toEqual([]);
    });
  });

  it('look up each step a parked run waits on by its primary key', async () => {
    await withStatements((db, statements) => {
      expect(queryPlan(db, statements.anyStepSettled.source)).toMatch(
        /SCAN waited .* \| SEARCH steps USING INDEX \S+ \(run_id=\? AND key=\?\)/,
      );
    });
  });
});
