import type { Clock } from '../core/clock.ts';
import { type Duration, parseDuration } from '../core/durations.ts';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A Clock whose time moves only when a test says so. Timers fire in due order during
 * `advance`, with real I/O and promise callbacks allowed to run between them, so an engine on
 * a FakeClock behaves as on the real one, in milliseconds.
 *
 * @example
 * const clock = new FakeClock();
 * const engine = createEngine({ store, clock, workflows: [wf] });
 * await clock.advance('5m');
 */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms` (or a duration string), firing every timer due on the way. */
  async advance(ms: Duration): Promise<void> {
    const target = this.current + parseDuration(ms);
    await settle();
    for (;;) {
      const next = this.nextDue(target);
      if (next === undefined) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.at);
      next.fn();
      await settle();
    }
    this.current = target;
    await settle();
  }

  /** Sets the time (never backwards) and fires what is due. */
  async advanceTo(time: number | Date): Promise<void> {
    const t = typeof time === 'number' ? time : time.getTime();
    await this.advance(Math.max(0, t - this.current));
  }

  private nextDue(target: number): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) {
      if (t.at > target) continue;
      if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
