import type { HistoryEvent, NewHistoryEvent } from '../core/history.ts';

/** A history event as it happens, plus the workflow it belongs to. */
export interface RunEvent extends Omit<HistoryEvent, 'seq'> {
  kind: 'run-event';
  workflowName: string;
}

/** Something went wrong outside any run (a claim or heartbeat failed); the engine carries on. */
export interface EngineErrorEvent {
  kind: 'engine-error';
  at: number;
  operation: string;
  error: unknown;
}

export type EngineEvent = RunEvent | EngineErrorEvent;
export type EngineEventListener = (event: EngineEvent) => void;

/**
 * The engine's typed event stream. The library never writes to the console; the CLI, logs and
 * live streams subscribe here. A listener that throws is isolated from the engine and from
 * the other listeners.
 */
export class EventBus {
  private listeners = new Set<EngineEventListener>();

  on(listener: EngineEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Announces history events of one run, as they were written to the store. */
  emitRunEvents(runId: string, workflowName: string, events: readonly NewHistoryEvent[]): void {
    if (this.listeners.size === 0) return;
    for (const e of events) {
      this.emit({
        kind: 'run-event',
        runId,
        workflowName,
        type: e.type,
        stepKey: e.stepKey ?? null,
        attempt: e.attempt ?? null,
        at: e.at,
        durationMs: e.durationMs ?? null,
        data: e.data ?? {},
      });
    }
  }

  emit(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener must not break a run; there is nowhere safe to report it.
      }
    }
  }
}
