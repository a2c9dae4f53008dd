/**
 * The logger an executor gets: every call is a `step.log` history event of its attempt,
 * masked before it is cut to length (so no piece of a secret survives the cut) and capped in
 * number, so a chatty process cannot flood the history. What is dropped is counted, and
 * `close()` reports it once.
 */
import type { StepContext } from '../runtime/workflow-context.ts';
import type { ExecutorLogger } from './executor.ts';

export interface StepLoggerLimits {
  /** Events per attempt. Default 1000. */
  maxLines: number;
  /** Characters per line; the rest is cut. Default 2000. */
  maxLineLength: number;
}

export const DEFAULT_LOGGER_LIMITS: StepLoggerLimits = { maxLines: 1000, maxLineLength: 2000 };

export function createStepLogger(
  step: Pick<StepContext, 'addEvent' | 'mask'>,
  limits: StepLoggerLimits = DEFAULT_LOGGER_LIMITS,
): ExecutorLogger & { close(): void } {
  let written = 0;
  let dropped = 0;
  const add = (data: { stream: 'stdout' | 'stderr' | 'log'; level?: string }, text: string) => {
    if (written >= limits.maxLines) {
      dropped++;
      return;
    }
    written++;
    const masked = step.mask(text);
    const cut =
      masked.length > limits.maxLineLength
        ? `${masked.slice(0, limits.maxLineLength)}… (${masked.length - limits.maxLineLength} more characters)`
        : masked;
    step.addEvent({ type: 'step.log', data: { ...data, text: cut } });
  };
  return {
    line: (stream, text) => add({ stream }, text),
    info: (message) => add({ stream: 'log', level: 'info' }, message),
    warn: (message) => add({ stream: 'log', level: 'warn' }, message),
    error: (message) => add({ stream: 'log', level: 'error' }, message),
    close: () => {
      if (dropped === 0) return;
      step.addEvent({
        type: 'step.log',
        data: {
          stream: 'log',
          level: 'warn',
          text: `${dropped} more lines not recorded (at most ${limits.maxLines} per attempt)`,
        },
      });
      dropped = 0;
    },
  };
}
