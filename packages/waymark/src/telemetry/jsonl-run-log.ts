/**
 * A JSONL file per run (`<dir>/<runId>.jsonl`): every history event this process announces
 * for the run, one JSON object a line — run and step events, executor start and end with
 * their short summaries, output lines. The events on the bus are already masked (the runtime
 * masks before it writes or announces anything), so the files hold no secret either.
 *
 * Lines are gathered and appended once per macrotask, so a step printing thousands of lines
 * costs a few writes, not thousands. Appending is synchronous: a line in the buffer when the
 * process is killed is lost, one already flushed is on disk.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent, RunEvent } from './event-bus.ts';

export interface JsonlRunLogOptions {
  /** The directory of the files (`.waymark/logs` in the CLI); made when first needed. */
  dir: string;
  /** Called when a file cannot be written (the run goes on). */
  onError?: (error: unknown) => void;
}

export class JsonlRunLog {
  private readonly pending = new Map<string, string[]>();
  private scheduled = false;
  private madeDir = false;

  constructor(private readonly options: JsonlRunLogOptions) {}

  /** The file of a run. */
  pathOf(runId: string): string {
    return join(this.options.dir, `${fileName(runId)}.jsonl`);
  }

  /** The bus listener: `engine.on(log.listener)`. */
  readonly listener = (event: EngineEvent): void => {
    if (event.kind !== 'run-event') return;
    let lines = this.pending.get(event.runId);
    if (lines === undefined) this.pending.set(event.runId, (lines = []));
    lines.push(JSON.stringify(logLine(event)));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  };

  /** Writes what is buffered now. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.size === 0) return;
    const batches = [...this.pending];
    this.pending.clear();
    try {
      if (!this.madeDir) {
        mkdirSync(this.options.dir, { recursive: true });
        this.madeDir = true;
      }
      for (const [runId, lines] of batches) {
        appendFileSync(this.pathOf(runId), `${lines.join('\n')}\n`);
      }
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}

function logLine(e: RunEvent): Record<string, unknown> {
  return {
    time: new Date(e.at).toISOString(),
    run: e.runId,
    workflow: e.workflowName,
    type: e.type,
    ...(e.stepKey === null ? {} : { step: e.stepKey }),
    ...(e.attempt === null ? {} : { attempt: e.attempt }),
    ...(e.durationMs === null ? {} : { durationMs: e.durationMs }),
    ...(Object.keys(e.data).length === 0 ? {} : { data: e.data }),
  };
}

/** Run ids are UUIDs; anything else is kept to one safe path segment. */
function fileName(runId: string): string {
  return runId.replace(/[^A-Za-z0-9._-]/g, '_');
}
