import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * Everything a SQLite database file holds, as text: every column of every row of every table
 * (runs, steps, events, run definitions, migrations …), then the raw bytes of the file and of
 * its WAL, for a test that asserts a value was never written anywhere.
 */
export function databaseText(path: string): { rows: string; rowCount: number; raw: string } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .pluck()
      .all() as string[];
    let rows = '';
    let rowCount = 0;
    for (const table of tables) {
      for (const row of db.prepare(`SELECT * FROM "${table}"`).all() as object[]) {
        rowCount++;
        for (const [column, value] of Object.entries(row)) {
          const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
          rows += `${table}.${column}: ${text}\n`;
        }
      }
    }
    const raw = [path, `${path}-wal`]
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file).toString('latin1'))
      .join('\n');
    return { rows, rowCount, raw };
  } finally {
    db.close();
  }
}
