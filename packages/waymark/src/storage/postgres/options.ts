import { ValidationError } from '../../core/errors.ts';

/**
 * Whose clock decides lease expiry:
 * - `database` (the default, for production): a claim or heartbeat sets `lease_expires_at`
 *   from the database server's clock, and a lease counts as expired by that clock. Workers on
 *   several machines then agree on expiry however far their own clocks drift.
 * - `caller`: the `now` each call passes (the engine's Clock), as SQLite does. Tests on a
 *   FakeClock need this: their time is not the server's.
 * Wake-up times (`wakeAt`) always come from the caller: the engine computes them.
 */
export type LeaseClock = 'database' | 'caller';

export interface PostgresStoreOptions {
  /** A connection string: `postgres://user:password@host:5432/database`. */
  url: string;
  /** The schema holding Waymark's tables (created if missing). Default `waymark`. */
  schema?: string;
  /** See LeaseClock. Default `database`. */
  leaseClock?: LeaseClock;
  /** Most connections the store opens for queries and writes (LISTEN uses one more). Default 10. */
  poolSize?: number;
  /** How long a query waits for a free connection before failing. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Shown in `pg_stat_activity.application_name` (a worker id, say). Default `waymark`. */
  applicationName?: string;
  /**
   * `false`: `init()` refuses a database without Waymark's schema instead of creating it (the
   * CLI's read-only commands). Default true.
   */
  createSchema?: boolean;
  /**
   * LISTEN for due-work notifications, so this store's idle workers wake at once (polling
   * covers their loss). Default true. Commits always NOTIFY, whatever this says.
   */
  notifications?: boolean;
}

export interface ResolvedPostgresOptions {
  url: string;
  schema: string;
  leaseClock: LeaseClock;
  poolSize: number;
  connectTimeoutMs: number;
  applicationName: string;
  createSchema: boolean;
  notifications: boolean;
}

export const DEFAULT_SCHEMA = 'waymark';
const DEFAULT_POOL_SIZE = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
// Lower-case identifiers only, short enough that the notification channel name derived from
// it ("<schema>_work") stays within PostgreSQL's 63-byte identifier limit.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,49}$/;

export function resolvePostgresOptions(options: PostgresStoreOptions): ResolvedPostgresOptions {
  const issues: { path: string; message: string }[] = [];
  if (typeof options.url !== 'string' || !/^postgres(ql)?:\/\//.test(options.url)) {
    issues.push({ path: 'url', message: 'must be a postgres:// or postgresql:// URL' });
  }
  const schema = options.schema ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) {
    issues.push({
      path: 'schema',
      message: `"${schema}" is not a valid schema name: use lower-case letters, digits and _ (at most 50, not starting with a digit)`,
    });
  }
  const leaseClock = options.leaseClock ?? 'database';
  if (leaseClock !== 'database' && leaseClock !== 'caller') {
    issues.push({ path: 'leaseClock', message: 'must be "database" or "caller"' });
  }
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    issues.push({ path: 'poolSize', message: 'must be an integer >= 1' });
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1) {
    issues.push({ path: 'connectTimeoutMs', message: 'must be an integer >= 1' });
  }
  if (issues.length > 0) throw new ValidationError('invalid PostgreSQL store options', issues);
  return {
    url: options.url,
    schema,
    leaseClock,
    poolSize,
    connectTimeoutMs,
    applicationName: options.applicationName ?? 'waymark',
    createSchema: options.createSchema ?? true,
    notifications: options.notifications ?? true,
  };
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
