/**
 * A step context outside any engine, for running executors directly: it keeps the events an
 * executor adds, masks with the secrets given, and counts time on a fake clock of its own.
 */
import { SecretMasker } from '../../src/core/secret-masker.ts';
import {
  createExecutorContext,
  type ExecutorContext,
  type InvokeOptions,
} from '../../src/executors/index.ts';
import type { StepContext, StepEvent } from '../../src/runtime/workflow-context.ts';
import { tempDir } from '../temp-dir.ts';

export interface FakeStep extends StepContext {
  events: Array<StepEvent & { at: number }>;
  /** The text of every `step.log` event, in order. */
  lines(stream?: string): string[];
}

export function fakeStep(
  options: { signal?: AbortSignal; secrets?: string[]; key?: string; attempt?: number } = {},
): FakeStep {
  const masker = new SecretMasker(options.secrets ?? []);
  const events: FakeStep['events'] = [];
  let now = 0;
  return {
    signal: options.signal ?? new AbortController().signal,
    attempt: options.attempt ?? 1,
    runId: 'run-1',
    stepKey: options.key ?? 'step-1',
    events,
    addEvent: (event) => {
      now += 1;
      events.push({ ...event, at: now });
      return now;
    },
    mask: (value) => masker.maskValue(value),
    lines: (stream) =>
      events
        .filter(
          (e) => e.type === 'step.log' && (stream === undefined || e.data['stream'] === stream),
        )
        .map((e) => String(e.data['text'])),
  };
}

/** A fresh directory for artifacts (and anything else a test writes). */
export function scratchDir(): string {
  return tempDir('waymark-executor-');
}

/** An executor context over a fake step, with its artifacts under a scratch directory. */
export function fakeContext(
  step: FakeStep = fakeStep(),
  options: InvokeOptions = {},
): ExecutorContext {
  return createExecutorContext(step, { artifactsRoot: scratchDir(), ...options }).context;
}
