/**
 * Why a durable operation cannot go on now. Operations throw a `Suspend`; the execution
 * catches it (user code never sees it), records the reason, and parks the run once no
 * other operation is in flight.
 */
export interface Suspension {
  reason: 'sleep' | 'retry' | 'child' | 'pause' | 'shutdown';
  /** When the run should be due again; null: when a child run ends. */
  wakeAt: number | null;
  /** The child step awaited (reason `child`). */
  stepKey?: string;
}

export class Suspend {
  constructor(readonly suspension: Suspension) {}
}

/** A promise that never settles: what an operation hands to user code once the run parked. */
export const NEVER: Promise<never> = new Promise<never>(() => {});

/** Where a parked run is due: the earliest timer, capped by a deadline (the run's, a step's). */
export function parkTarget(
  suspensions: readonly Suspension[],
  deadlineAt: number | null,
): { wakeAt: number | null; waitingOn: string[]; reasons: Suspension['reason'][] } {
  let wakeAt: number | null = null;
  const waitingOn: string[] = [];
  const reasons = new Set<Suspension['reason']>();
  for (const s of suspensions) {
    reasons.add(s.reason);
    if (s.stepKey !== undefined) waitingOn.push(s.stepKey);
    if (s.wakeAt !== null) wakeAt = wakeAt === null ? s.wakeAt : Math.min(wakeAt, s.wakeAt);
  }
  if (deadlineAt !== null) wakeAt = wakeAt === null ? deadlineAt : Math.min(wakeAt, deadlineAt);
  return { wakeAt, waitingOn, reasons: [...reasons] };
}
