import { describe, expect, it } from 'vitest';
import { buildStatements } from '../../src/storage/postgres/statements.ts';

describe('PostgreSQL statements', () => {
  it('plans the bulk statements with their actual arrays (unnamed), the others once (named)', () => {
    // A named statement soon runs a generic plan that guesses ten rows per array and joins a
    // 1,000-write batch with the runs table by a nested loop: quadratic (see statements.ts).
    const sql = buildStatements('database');
    for (const bulk of ['saveSteps', 'createRuns', 'endRuns', 'extendLeases'] as const) {
      expect(sql[bulk].name, bulk).toBeUndefined();
    }
    expect(sql.getRun.name).toBe('waymark_get_run');
    expect(sql.claim.name).toBe('waymark_claim');
  });
});
