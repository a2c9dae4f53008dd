import { formatDuration } from '../../core/durations.ts';
import type { RunEvent } from '../../telemetry/event-bus.ts';
import { asSerializedError } from './error.ts';
import type { Style } from './style.ts';
import { formatMs, formatTime } from './time.ts';

/**
 * Turns the live events of a run into one line per thing a person wants to see:
 *
 *   ▶ fetch  attempt 1/3
 *   ✖ fetch  attempt 1/3 failed: connection reset — retrying in 2s
 *   ✔ fetch  12ms
 *   ⏸ pause  sleeping until 2025-01-31T12:00:01.000Z (1s)
 *   ⤼ publish  skipped: if ${ !inputs.dry_run } is false
 *
 * Stateful: a failure that will be retried is printed together with the retry decision,
 * which arrives as the next event.
 */
export class RunEventFormatter {
  private readonly maxAttempts = new Map<string, number>();
  private readonly failures = new Map<string, RunEvent>();

  constructor(private readonly style: Style) {}

  /** The line for an event, or null when it adds nothing a person needs. */
  format(event: RunEvent): string | null {
    const { style } = this;
    const key = event.stepKey ?? '';
    const data = event.data;
    switch (event.type) {
      case 'step.started': {
        this.rememberMaxAttempts(key, data);
        const lost =
          typeof data['lostAttempt'] === 'number'
            ? ` — attempt ${data['lostAttempt']} never finished`
            : '';
        return `${style.cyan('▶')} ${key}  ${style.dim(this.attempt(key, event.attempt) + lost)}`;
      }
      case 'step.succeeded':
        return `${style.green('✔')} ${key}  ${style.dim(formatMs(event.durationMs))}`;
      case 'step.failed': {
        if (data['willRetry'] === true) {
          this.failures.set(key, event);
          return null;
        }
        return `${style.red('✖')} ${key}  ${this.attempt(key, event.attempt)} failed: ${this.errorText(data['error'])}`;
      }
      case 'step.retrying': {
        this.rememberMaxAttempts(key, data);
        const failed = this.failures.get(key);
        this.failures.delete(key);
        const delay = typeof data['delayMs'] === 'number' ? formatDuration(data['delayMs']) : '?';
        const why = failed === undefined ? '' : ` failed: ${this.errorText(failed.data['error'])}`;
        return `${style.yellow('✖')} ${key}  ${this.attempt(key, event.attempt)}${why} — retrying in ${delay}`;
      }
      case 'step.cancelled':
        return `${style.yellow('⊘')} ${key}  cancelled: ${String(data['message'] ?? '')}`;
      case 'step.skipped':
        return `${style.dim('⤼')} ${key}  ${style.dim(`skipped: ${String(data['reason'] ?? '')}`)}`;
      case 'step.sleeping': {
        const wakeAt = typeof data['wakeAt'] === 'number' ? data['wakeAt'] : null;
        const length =
          typeof data['durationMs'] === 'number' ? ` (${formatMs(data['durationMs'])})` : '';
        return `${style.yellow('⏸')} ${key}  sleeping until ${formatTime(wakeAt)}${length}`;
      }
      case 'step.log': {
        // A line of a step's output (shell, agent) or an executor's message, as it arrives.
        const text = String(data['text'] ?? '');
        const mark =
          data['stream'] === 'stderr' || data['level'] === 'warn' || data['level'] === 'error';
        return `${style.dim('│')} ${style.dim(key)}  ${mark ? style.yellow(text) : text}`;
      }
      case 'step.recorded':
        return `${style.dim('•')} ${key}  ${style.dim(formatRecordedValue(key, data['value']))}`;
      case 'step.waiting':
        return `${style.yellow('⧗')} ${key}  waiting for child run ${String(data['childRunId'])} (${String(data['workflow'])})`;
      case 'run.resumed':
        return style.dim('↻ resumed');
      case 'run.recovered':
        return style.yellow(
          `↻ recovered after its previous worker stopped (recovery ${String(data['recoveryCount'] ?? '?')})`,
        );
      case 'run.restarting':
        return style.yellow(
          `↻ restarting: ${String(data['message'] ?? '')} — ${this.errorText(data['error'])}`,
        );
      case 'run.paused':
        return style.yellow('⏸ paused');
      default:
        return null;
    }
  }

  /** `step.started` and `step.retrying` say how many attempts the step has in all. */
  private rememberMaxAttempts(key: string, data: Record<string, unknown>): void {
    if (typeof data['maxAttempts'] === 'number') this.maxAttempts.set(key, data['maxAttempts']);
  }

  private attempt(key: string, attempt: number | null): string {
    const max = this.maxAttempts.get(key);
    if (max === undefined) return `attempt ${attempt ?? '?'}`;
    // Past the limit only when a lost attempt runs again (it counts, but must finish).
    if (attempt !== null && attempt > max) return `attempt ${attempt} (max ${max})`;
    return `attempt ${attempt ?? '?'}/${max}`;
  }

  private errorText(value: unknown): string {
    const error = asSerializedError(value);
    if (error === null) return 'unknown error';
    return error.code === 'STEP_FAILED' ? error.message : `${error.code}: ${error.message}`;
  }
}

/** `ctx.now()` records epoch ms: show it as a time. */
export function formatRecordedValue(key: string, value: unknown): string {
  if (key.startsWith('$now') && typeof value === 'number') return formatTime(value);
  return JSON.stringify(value) ?? 'undefined';
}
