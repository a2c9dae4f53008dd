import type { ClientQueries, Queryable, Statement } from './connection.ts';

/**
 * What a write sees of the batch transaction it runs in: statements on the transaction's
 * connection, and `notifyDue` to announce that a run becomes due (sent once per commit, as
 * a NOTIFY carrying the earliest due time, so idle workers wake up).
 */
export interface Transaction extends Queryable {
  notifyDue(at: number): void;
}

/** One batch's transaction on one connection. */
export class BatchTransaction implements Transaction {
  /** The earliest due time announced by the writes of this transaction. */
  earliestDue: number | null = null;

  constructor(private readonly client: ClientQueries) {}

  query<R extends object = Record<string, unknown>>(
    statement: Statement,
    values?: readonly unknown[],
  ): Promise<R[]> {
    return this.client.query<R>(statement, values);
  }

  notifyDue(at: number): void {
    if (this.earliestDue === null || at < this.earliestDue) this.earliestDue = at;
  }
}
