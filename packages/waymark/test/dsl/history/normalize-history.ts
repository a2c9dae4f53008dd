/**
 * A run as a golden file holds it: its outcome, its steps and its history (and those of its
 * child runs), without what differs from one execution to the next. Ids become `<id>`,
 * stacks are dropped, and times (`at`, `wakeAt`, `deadlineAt`) count milliseconds from the start of the
 * root run, which on a FakeClock driven by runToEnd are the same on every execution.
 * Events keep the order the store recorded them in.
 */
import type { HistoryEvent } from '../../../src/core/history.ts';
import type { RunRecord } from '../../../src/core/run.ts';
import type { StepRecord } from '../../../src/core/step.ts';
import type { Engine } from '../../../src/runtime/engine.ts';

export interface NormalizedRun {
  workflow: string;
  status: string;
  output?: unknown;
  error?: unknown;
  steps: NormalizedStep[];
  history: NormalizedEvent[];
  /** Child runs by the parent's step key. */
  children?: Record<string, NormalizedRun>;
}

interface NormalizedStep {
  key: string;
  kind: string;
  status: string;
  attempt: number;
  output?: unknown;
  error?: unknown;
}

interface NormalizedEvent {
  /** Milliseconds since the root run was created. */
  t: number;
  type: string;
  step?: string;
  attempt?: number;
  durationMs?: number;
  data?: unknown;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const ID_KEYS = new Set(['runId', 'childRunId', 'parentRunId', 'worker']);
const TIME_KEYS = new Set(['wakeAt', 'deadlineAt']);

export async function normalizeRun(engine: Engine, runId: string): Promise<NormalizedRun> {
  const run = await engine.getRun(runId);
  if (run === null) throw new Error(`no run ${runId}`);
  return normalize(engine, run, run.createdAt);
}

async function normalize(engine: Engine, run: RunRecord, origin: number): Promise<NormalizedRun> {
  const steps = await engine.steps(run.id);
  const history = await engine.history(run.id);
  const children: Record<string, NormalizedRun> = {};
  for (const step of steps) {
    if (step.childRunId === null) continue;
    const child = await engine.getRun(step.childRunId);
    if (child !== null) children[step.key] = await normalize(engine, child, origin);
  }
  const clean = (value: unknown): unknown => scrub(value, origin);
  return {
    workflow: run.workflowName,
    status: run.status,
    ...(run.output === undefined ? {} : { output: clean(run.output) }),
    ...(run.error === null ? {} : { error: clean(run.error) }),
    steps: steps.map((s) => normalizeStep(s, clean)),
    history: history.map((e) => normalizeEvent(e, origin, clean)),
    ...(Object.keys(children).length === 0 ? {} : { children }),
  };
}

function normalizeStep(step: StepRecord, clean: (v: unknown) => unknown): NormalizedStep {
  return {
    key: step.key,
    kind: step.kind,
    status: step.status,
    attempt: step.attempt,
    // A sleep's output is its wake time.
    ...(step.output === undefined
      ? {}
      : { output: step.kind === 'sleep' ? clean({ wakeAt: step.output }) : clean(step.output) }),
    ...(step.error === null ? {} : { error: clean(step.error) }),
  };
}

function normalizeEvent(
  event: HistoryEvent,
  origin: number,
  clean: (v: unknown) => unknown,
): NormalizedEvent {
  return {
    t: event.at - origin,
    type: event.type,
    ...(event.stepKey === null ? {} : { step: event.stepKey }),
    ...(event.attempt === null ? {} : { attempt: event.attempt }),
    ...(event.durationMs === null ? {} : { durationMs: event.durationMs }),
    ...(Object.keys(event.data).length === 0 ? {} : { data: clean(event.data) }),
  };
}

/** Ids → `<id>`, stacks dropped, timestamps relative to `origin`. */
function scrub(value: unknown, origin: number, key?: string): unknown {
  if (key !== undefined && ID_KEYS.has(key) && value !== null) return '<id>';
  if (typeof value === 'string') return value.replace(UUID, '<id>');
  if (key !== undefined && TIME_KEYS.has(key) && typeof value === 'number') return value - origin;
  if (Array.isArray(value)) return value.map((v) => scrub(v, origin));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    if (k === 'stack') continue;
    out[k] = scrub((value as Record<string, unknown>)[k], origin, k);
  }
  return out;
}
