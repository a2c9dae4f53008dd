import type { Engine } from '../runtime/engine.ts';
import type { EngineEvent, RunEvent } from '../telemetry/event-bus.ts';
import type { CliContext } from './cli-context.ts';
import { RunEventFormatter } from './format/run-event-line.ts';

/**
 * Prints the live progress of one run (and of the child runs it starts, indented) while this
 * process's worker executes it. Events that arrive before the run id is known (a new run's
 * first events can race `engine.start` resolving) are buffered, then replayed.
 *
 * The worker may also execute other due runs of the same workflows found in the database;
 * their events are not shown.
 */
export class RunProgress {
  private readonly formatter: RunEventFormatter;
  /** Run id → nesting depth (0 for the watched run). */
  private readonly depth = new Map<string, number>();
  private buffered: RunEvent[] | null = [];
  private lastWarning = '';
  private stopping = false;
  private readonly unsubscribe: () => void;

  constructor(
    engine: Engine,
    private readonly ctx: CliContext,
    private readonly options: { lines: boolean },
  ) {
    this.formatter = new RunEventFormatter(ctx.style);
    this.unsubscribe = engine.on((event) => this.onEvent(event));
  }

  /** Starts showing the run's events (and any buffered ones). */
  watch(runId: string): void {
    this.depth.set(runId, 0);
    const buffered = this.buffered ?? [];
    this.buffered = null;
    for (const event of buffered) this.onRunEvent(event);
  }

  /**
   * The CLI is stopping the run (Ctrl-C): it pauses the run at the next step boundary and
   * lifts the pause again, so the "paused" it would print is not what the user ends up with.
   */
  interrupting(): void {
    this.stopping = true;
  }

  stop(): void {
    this.unsubscribe();
  }

  private onEvent(event: EngineEvent): void {
    if (event.kind === 'engine-error') return this.warn(event.operation, event.error);
    if (this.buffered !== null) this.buffered.push(event);
    else this.onRunEvent(event);
  }

  private onRunEvent(event: RunEvent): void {
    const depth = this.depth.get(event.runId);
    if (depth === undefined) return;
    if (event.type === 'step.waiting' && typeof event.data['childRunId'] === 'string') {
      this.depth.set(event.data['childRunId'], depth + 1);
    }
    if (!this.options.lines || (this.stopping && event.type === 'run.paused')) return;
    const line = this.formatter.format(event);
    if (line === null) return;
    const prefix =
      depth === 0 ? '' : `${'  '.repeat(depth)}${this.ctx.style.dim(`${event.workflowName} ›`)} `;
    this.ctx.io.stdout(`${prefix}${line}\n`);
  }

  // Engine errors (a failed claim or heartbeat) do not end the run: warn, once per message.
  private warn(operation: string, error: unknown): void {
    const message = `waymark: warning: ${operation} failed: ${(error as Error)?.message ?? String(error)}\n`;
    if (message === this.lastWarning) return;
    this.lastWarning = message;
    this.ctx.io.stderr(message);
  }
}
