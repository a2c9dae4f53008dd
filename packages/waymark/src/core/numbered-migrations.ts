import { StoreError } from './errors.ts';

/** A schema migration: the file `NNNN_name.sql` holds version NNNN. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * The migrations among `files` (other names are ignored), in version order, read with
 * `read`. Throws unless they are numbered 1..n without a gap: a missing file must not be
 * skipped silently.
 */
export function numberedMigrations(
  files: readonly string[],
  read: (file: string) => string,
  store: string,
): Migration[] {
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (match === null) continue;
    migrations.push({ version: Number(match[1]), name: match[2] as string, sql: read(file) });
  }
  migrations.sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new StoreError(
        `${store} migrations are not numbered 1..n: found ${m.version} at ${i + 1}`,
      );
    }
  });
  return migrations;
}
