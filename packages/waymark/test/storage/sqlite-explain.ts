/** What SQLite compiles a statement to: its opcodes and its query plan, parameters bound to NULL. */
import type Database from 'better-sqlite3';

function explained(db: Database.Database, prefix: string, sql: string): unknown[] {
  const named = [...new Set([...sql.matchAll(/@(\w+)/g)].map((m) => m[1] as string))];
  const explain = db.prepare(`${prefix} ${sql}`);
  return named.length > 0
    ? explain.all(Object.fromEntries(named.map((name) => [name, null])))
    : explain.all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => null));
}

/** The opcodes of `sql`: `OpenEphemeral` is a temporary b-tree built each time it runs. */
export function opcodes(db: Database.Database, sql: string): string[] {
  return (explained(db, 'EXPLAIN', sql) as { opcode: string }[]).map((row) => row.opcode);
}

/** The query plan of `sql`, its steps joined by ' | '. */
export function queryPlan(db: Database.Database, sql: string): string {
  const rows = explained(db, 'EXPLAIN QUERY PLAN', sql) as { detail: string }[];
  return rows.map((row) => row.detail).join(' | ');
}
