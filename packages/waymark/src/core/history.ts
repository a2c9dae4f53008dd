/**
 * History: an append-only, per-run log of what happened and what was decided. It feeds the
 * CLI, live streams and logs. Replay never reads it (it reads the steps).
 */
export type HistoryEventType =
  | 'run.created'
  | 'run.started'
  | 'run.resumed'
  | 'run.recovered'
  | 'run.parked'
  | 'run.paused'
  | 'run.pause_requested'
  | 'run.resume_requested'
  | 'run.restarting'
  | 'run.completed'
  | 'run.failed'
  | 'run.cancelled'
  | 'step.started'
  | 'step.succeeded'
  | 'step.failed'
  | 'step.retrying'
  | 'step.skipped'
  | 'step.cancelled'
  | 'step.sleeping'
  | 'step.waiting'
  | 'step.recorded'
  | 'step.log'
  | 'executor.started'
  | 'executor.finished';

export interface HistoryEvent {
  /** Order of events within the store (increasing, not necessarily dense). */
  seq: number;
  runId: string;
  type: HistoryEventType;
  stepKey: string | null;
  attempt: number | null;
  at: number;
  durationMs: number | null;
  /**
   * Decision details: error, delayMs, wakeAt, reason, and a message in words ("attempt 2 of
   * 5 in 2s"). Readers take numbers from the fields, not the message: `step.started` and
   * `step.retrying` carry `maxAttempts`, `step.retrying` also `nextAttempt`. A `step.log` has
   * `{ stream: 'stdout' | 'stderr' | 'log', text, level? }`; `executor.started`
   * `{ executor, input }`, `executor.finished` `{ executor, status: 'ok' | 'error', output |
   * error, artifacts }` (input and output as short summaries).
   */
  data: Record<string, unknown>;
}

export interface NewHistoryEvent {
  type: HistoryEventType;
  at: number;
  stepKey?: string | null;
  attempt?: number | null;
  durationMs?: number | null;
  data?: Record<string, unknown>;
}

/**
 * The event a claim records, in the claim's own transaction: `run.started` for a run's first
 * claim (tokens start at 0, so that claim gets token 1), `run.recovered` for a run taken
 * over from a worker whose lease expired, `run.resumed` otherwise (a parked run woken up).
 */
export function claimEvent(
  run: {
    recovered: boolean;
    fencingToken: number;
    leaseOwner: string | null;
    recoveryCount: number;
  },
  at: number,
): NewHistoryEvent {
  const type = run.recovered
    ? 'run.recovered'
    : run.fencingToken === 1
      ? 'run.started'
      : 'run.resumed';
  return { type, at, data: { worker: run.leaseOwner, recoveryCount: run.recoveryCount } };
}
