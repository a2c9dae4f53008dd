/**
 * The shared PostgreSQL of the tests. `WAYMARK_TEST_POSTGRES_URL` names it (CI's `.ci/run`
 * starts the machine's PostgreSQL and sets it). Without it, PostgreSQL suites are skipped with
 * a loud warning — except under `CI=true`, where a missing or unreachable database fails them.
 *
 * Each test file works in a schema of its own with a random name, so files run in parallel;
 * the schema is dropped after the file, unless a test failed (it is kept, and named, so it
 * can be inspected).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import {
  openPostgresStore,
  type PostgresStore,
  type PostgresStoreOptions,
} from '../../src/storage/postgres/index.ts';

export const POSTGRES_URL_VARIABLE = 'WAYMARK_TEST_POSTGRES_URL';

/** The test database URL, or undefined (local runs without it skip PostgreSQL suites). */
export function postgresTestUrl(): string | undefined {
  const url = process.env[POSTGRES_URL_VARIABLE];
  if (url !== undefined && url !== '') return url;
  if (process.env['CI'] === 'true') {
    throw new Error(
      `${POSTGRES_URL_VARIABLE} is not set: CI must run the PostgreSQL tests (.ci/run starts ` +
        `PostgreSQL and sets it)`,
    );
  }
  return undefined;
}

let warned = false;

/** `describe`, or `describe.skip` with a loud warning when no test database is configured. */
export function describePostgres(name: string, body: (url: string) => void): void {
  const url = postgresTestUrl();
  if (url === undefined) {
    if (!warned) {
      warned = true;
      console.warn(
        `\n*** PostgreSQL tests SKIPPED: ${POSTGRES_URL_VARIABLE} is not set. Run them with\n` +
          `***   ${POSTGRES_URL_VARIABLE}=postgres://postgres@127.0.0.1:5432/test npm test\n`,
      );
    }
    describe.skip(name, () => body(''));
    return;
  }
  describe(name, () => body(url));
}

export function randomSchemaName(prefix = 'wmtest'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/**
 * Runs `use` on a plain connection to the test database (for setup the store does not do),
 * closed afterwards unless `close` is false.
 */
export async function withAdminClient<T>(
  url: string,
  use: (client: pg.Client) => Promise<T>,
  close = true,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `cannot connect to the test PostgreSQL (${POSTGRES_URL_VARIABLE}): ${String(error)}`,
      { cause: error },
    );
  }
  try {
    return await use(client);
  } finally {
    if (close) await client.end();
  }
}

export function dropSchema(url: string, schema: string): Promise<void> {
  return withAdminClient(url, async (client) => {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
}

export interface TestSchema {
  readonly url: string;
  readonly schema: string;
  /** Opens a store on the schema (migrated in beforeAll), lease clock `caller` by default. */
  open(options?: Partial<PostgresStoreOptions>): Promise<PostgresStore>;
  /** Deletes every run, step and event: the next store starts empty. */
  reset(): Promise<void>;
}

/**
 * A schema for the calling test file: created and migrated before its tests, dropped after
 * them (kept when one failed). Call at the top of a `describePostgres` body.
 */
export function useTestSchema(url: string, prefix?: string): TestSchema {
  const schema = randomSchemaName(prefix);
  let failed = false;
  let admin: pg.Client | undefined;
  beforeAll(async () => {
    const store = await openPostgresStore({ url, schema, notifications: false });
    await store.close();
    admin = await withAdminClient(url, async (client) => client, false);
  });
  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    await admin?.end();
    if (failed) console.warn(`kept PostgreSQL schema ${schema} of a failed test for inspection`);
    else await dropSchema(url, schema);
  });
  return {
    url,
    schema,
    open: (options = {}) =>
      openPostgresStore({ url, schema, leaseClock: 'caller', poolSize: 4, ...options }),
    async reset() {
      if (admin === undefined) throw new Error('reset() runs inside a test');
      await admin.query(`DELETE FROM ${schema}.events; DELETE FROM ${schema}.steps;
        DELETE FROM ${schema}.runs`);
    },
  };
}
