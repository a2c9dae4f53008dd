import { describe, expect, it } from 'vitest';
import { RunEventFormatter } from '../../src/cli/format/run-event-line.ts';
import { createStyle } from '../../src/cli/format/style.ts';
import type { RunEvent } from '../../src/telemetry/event-bus.ts';

function event(type: RunEvent['type'], attempt: number, data: Record<string, unknown>): RunEvent {
  return {
    kind: 'run-event',
    runId: 'r1',
    workflowName: 'wf',
    type,
    stepKey: 'fetch',
    attempt,
    at: 0,
    durationMs: 5,
    data,
  };
}

describe('the step lines of waymark run', () => {
  it('take the attempt count from the events’ fields, not from their message text', () => {
    const formatter = new RunEventFormatter(createStyle(false));
    // A message that says something else: only the fields count.
    const misleading = { message: 'attempt 1 of 99' };
    expect(formatter.format(event('step.started', 1, { ...misleading, maxAttempts: 4 }))).toBe(
      '▶ fetch  attempt 1/4',
    );
    const error = { code: 'STEP_FAILED', message: 'reset', type: 'Error' };
    expect(formatter.format(event('step.failed', 1, { error, willRetry: true }))).toBeNull();
    expect(
      formatter.format(
        event('step.retrying', 1, { ...misleading, delayMs: 2000, nextAttempt: 2, maxAttempts: 4 }),
      ),
    ).toBe('✖ fetch  attempt 1/4 failed: reset — retrying in 2s');
  });

  it('leaves the count out when no event gave it (a step started by another process)', () => {
    const formatter = new RunEventFormatter(createStyle(false));
    const error = { code: 'STEP_FAILED', message: 'gone', type: 'Error' };
    expect(formatter.format(event('step.failed', 3, { error, willRetry: false }))).toBe(
      '✖ fetch  attempt 3 failed: gone',
    );
  });

  it('say when an attempt runs again because the one before was lost with its worker', () => {
    const formatter = new RunEventFormatter(createStyle(false));
    expect(formatter.format(event('step.started', 2, { maxAttempts: 3, lostAttempt: 1 }))).toBe(
      '▶ fetch  attempt 2/3 — attempt 1 never finished',
    );
    // With one attempt allowed, the lost one still runs again: past the count, not "2/1".
    expect(formatter.format(event('step.started', 2, { maxAttempts: 1, lostAttempt: 1 }))).toBe(
      '▶ fetch  attempt 2 (max 1) — attempt 1 never finished',
    );
  });
});
