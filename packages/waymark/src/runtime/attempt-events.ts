/**
 * The events an attempt adds while it runs (`StepContext.addEvent`): buffered, and written
 * with the attempt's result when it ends soon — one write, as for its start — or else in the
 * background, a batch per macrotask, after its start. The store's writes commit in the order
 * they are issued, so the history keeps start, these events, then the end, in order.
 */
import type { NewHistoryEvent } from '../core/history.ts';
import type { StepRecord } from '../core/step.ts';
import { onNextMacrotask } from './next-macrotask.ts';
import type { RunExecution } from './run-execution.ts';
import type { StepEvent } from './workflow-context.ts';

export class AttemptEvents {
  private buffered: NewHistoryEvent[] = [];
  private scheduled = false;
  private ended = false;

  constructor(
    private readonly ex: RunExecution,
    private readonly step: StepRecord,
  ) {}

  readonly add = (event: StepEvent): number => {
    const at = this.ex.now();
    if (this.ended || this.ex.isFinished) return at;
    this.buffered.push({
      type: event.type,
      at,
      stepKey: this.step.key,
      attempt: this.step.attempt,
      data: event.data,
      ...(event.startedAt === undefined ? {} : { durationMs: at - event.startedAt }),
    });
    if (!this.scheduled) {
      this.scheduled = true;
      onNextMacrotask(() => this.flush());
    }
    return at;
  };

  /** Ends the attempt: the events not written yet, to be written with its result. */
  take(): NewHistoryEvent[] {
    this.ended = true;
    const events = this.buffered;
    this.buffered = [];
    return events;
  }

  private flush(): void {
    this.scheduled = false;
    if (this.ended || this.buffered.length === 0) return;
    const events = this.buffered;
    this.buffered = [];
    this.ex.appendEvents(events);
  }
}
