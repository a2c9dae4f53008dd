import pg from 'pg';
import { StoreError } from '../../core/errors.ts';
import { redactUrl, type ResolvedPostgresOptions } from './options.ts';

/** A connection to run statements on: a pooled client inside a transaction, or the pool. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(
    statement: Statement,
    values?: readonly unknown[],
  ): Promise<R[]>;
}

/**
 * A SQL text, with a name when it runs often: a named statement is parsed and planned once
 * per connection.
 */
export interface Statement {
  name?: string;
  text: string;
}

const INT8_OID = 20;

// bigint columns (epoch ms, event seq) as JS numbers: every value Waymark stores is far below
// 2^53. Per pool, not pg's global registry, so other users of `pg` in the process are untouched.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? Number
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Settings every connection of the store starts with: its schema first in the search path. */
export function clientConfig(options: ResolvedPostgresOptions): pg.ClientConfig {
  return {
    connectionString: options.url,
    application_name: options.applicationName,
    options: `-c search_path=${options.schema}`,
    connectionTimeoutMillis: options.connectTimeoutMs,
    types,
  };
}

/**
 * The store's bounded pool. Acquiring a connection waits at most `connectTimeoutMs`, then
 * fails with a StoreError that says whether the pool was exhausted or the server unreachable.
 */
export class ConnectionPool implements Queryable {
  private readonly pool: pg.Pool;

  constructor(private readonly options: ResolvedPostgresOptions) {
    this.pool = new pg.Pool({
      ...clientConfig(options),
      max: options.poolSize,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection that breaks (server restart) is dropped by the pool; the error has
    // no caller to go to, and the next query opens a new connection or reports the failure.
    this.pool.on('error', () => {});
  }

  /** Runs `use` on one connection of the pool, released afterwards (destroyed if it broke). */
  async withClient<T>(use: (client: ClientQueries) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let broken: Error | undefined;
    // A checked-out client has no pool listener: a connection lost between two queries would
    // otherwise be an unhandled 'error' event. The next query reports it.
    const onError = (error: Error): void => void (broken = error);
    client.on('error', onError);
    try {
      return await use(new ClientQueries(client, this.options));
    } catch (error) {
      if (isConnectionError(error)) broken = error as Error;
      throw error;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  query<R extends object = Record<string, unknown>>(
    statement: Statement,
    values: readonly unknown[] = [],
  ): Promise<R[]> {
    return this.withClient((client) => client.query<R>(statement, values));
  }

  end(): Promise<void> {
    return this.pool.end();
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      const { poolSize, connectTimeoutMs } = this.options;
      const exhausted = this.pool.totalCount >= poolSize;
      const message = exhausted
        ? `no PostgreSQL connection came free within ${connectTimeoutMs} ms: all ${poolSize} ` +
          `connections of the pool are busy (raise poolSize, or run fewer things at once)`
        : `cannot connect to PostgreSQL at ${redactUrl(this.options.url)}: ${messageOf(error)}`;
      throw new StoreError(message, {
        cause: error,
        retryable: true,
        details: { url: redactUrl(this.options.url), poolSize, exhausted },
      });
    }
  }
}

/** Queries on one checked-out client, with PostgreSQL errors turned into StoreErrors. */
export class ClientQueries implements Queryable {
  constructor(
    readonly client: pg.PoolClient | pg.Client,
    private readonly options: ResolvedPostgresOptions,
  ) {}

  async query<R extends object = Record<string, unknown>>(
    statement: Statement,
    values: readonly unknown[] = [],
  ): Promise<R[]> {
    try {
      const result = await this.client.query<R>({
        ...(statement.name === undefined ? {} : { name: statement.name }),
        text: statement.text,
        values: values as unknown[],
      });
      return result.rows;
    } catch (error) {
      throw postgresError(`PostgreSQL ${statement.name ?? 'query'} failed`, this.options, error);
    }
  }

  /** A statement without parameters or a name (BEGIN, COMMIT, DDL). */
  async exec(text: string): Promise<void> {
    try {
      await this.client.query(text);
    } catch (error) {
      throw postgresError(`PostgreSQL ${text.split(/\s/, 1)[0] ?? ''} failed`, this.options, error);
    }
  }
}

/** SQLSTATE classes after which the same work may succeed when tried again. */
const RETRYABLE_SQLSTATE = /^(40001|40P01|08|53300|57P0[123])/;

/** A PostgreSQL or connection failure as a StoreError naming the database (never its password). */
export function postgresError(
  what: string,
  options: Pick<ResolvedPostgresOptions, 'url' | 'schema'>,
  error: unknown,
): StoreError {
  if (error instanceof StoreError) return error;
  const code = sqlState(error);
  return new StoreError(`${what}: ${messageOf(error)}`, {
    cause: error,
    details: {
      url: redactUrl(options.url),
      schema: options.schema,
      ...(code === undefined ? {} : { sqlState: code }),
    },
    retryable: code === undefined ? isConnectionError(error) : RETRYABLE_SQLSTATE.test(code),
  });
}

/** The SQLSTATE of a PostgreSQL error, also when wrapped in a StoreError. */
export function sqlState(error: unknown): string | undefined {
  const direct = (error as { code?: unknown } | null)?.code;
  if (typeof direct === 'string' && /^[0-9A-Z]{5}$/.test(direct)) return direct;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause === undefined || cause === error ? undefined : sqlState(cause);
}

/** A broken connection (not an error the server reported about a statement). */
export function isConnectionError(error: unknown): boolean {
  const state = sqlState(error);
  if (state !== undefined) return /^(08|57P0)/.test(state);
  const message = messageOf(error);
  return /ECONNRESET|ECONNREFUSED|EPIPE|Connection terminated|not queryable|timeout/i.test(message);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
