import type { NewHistoryEvent } from '../../core/history.ts';
import { eventValues, type EventValues } from './rows.ts';
import type { Statements } from './statements.ts';
import type { Transaction } from './transaction.ts';

/** Events to append, each with its run. */
export type RunEvents = ReadonlyArray<readonly [runId: string, event: EventValues]>;

export function runEvents(runId: string, events: readonly NewHistoryEvent[]): RunEvents {
  return events.map((event) => [runId, eventValues(event)] as const);
}

/** Appends events (of any runs) in one statement, in order. */
export async function insertEvents(
  tx: Transaction,
  sql: Statements,
  events: RunEvents,
): Promise<void> {
  if (events.length === 0) return;
  const columns: unknown[][] = Array.from({ length: 7 }, () => []);
  for (const [runId, values] of events) {
    [runId, ...values].forEach((value, c) => (columns[c] as unknown[]).push(value));
  }
  await tx.query(sql.insertEvents, columns);
}
