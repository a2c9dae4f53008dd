import type { NewHistoryEvent } from '../../core/history.ts';
import { columnsOf } from './group-commit.ts';
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
  const rows = events.map(([runId, values]) => [runId, ...values]);
  await tx.query(sql.insertEvents, columnsOf(rows, 7));
}
