// The public API of `waymark`. Storage adapters are separate entry points
// (`waymark/sqlite`), so importing the library loads no database driver.
export { defineWorkflow, isWorkflowDefinition } from './runtime/workflow.ts';
export type { WorkflowDefinition, WorkflowOptions, PanicPolicy } from './runtime/workflow.ts';
export type {
  WorkflowContext,
  StepContext,
  StepOptions,
  StepFunction,
  ChildRunOptions,
  CancelOptions,
  GroupOptions,
  StepEvent,
} from './runtime/workflow-context.ts';
export { createEngine, Engine, DEFAULT_WORKER_OPTIONS } from './runtime/engine.ts';
export type { EngineOptions, StartOptions, WorkerOptions } from './runtime/engine.ts';
export { RunHandle } from './runtime/run-handle.ts';
export type { SecretSource } from './runtime/run-secrets.ts';
export { SecretMasker, SECRET_MASK, MIN_SECRET_LENGTH } from './core/secret-masker.ts';
export type {
  EngineEvent,
  EngineEventListener,
  RunEvent,
  EngineErrorEvent,
} from './telemetry/event-bus.ts';
export { JsonlRunLog, type JsonlRunLogOptions } from './telemetry/jsonl-run-log.ts';
export * from './core/errors.ts';
export { serializeError, deserializeError } from './core/serialize-error.ts';
export type { SerializedError } from './core/serialize-error.ts';
export { parseDuration, formatDuration } from './core/durations.ts';
export type { Duration } from './core/durations.ts';
export { DEFAULT_RETRY_POLICY, retryDelayMs } from './core/retry-policy.ts';
export type { RetryPolicy, ResolvedRetryPolicy } from './core/retry-policy.ts';
export { RUN_STATUSES, isTerminalStatus } from './core/run.ts';
export type { RunRecord, RunStatus } from './core/run.ts';
export type { StepRecord, StepKind, StepStatus } from './core/step.ts';
export type { HistoryEvent, HistoryEventType } from './core/history.ts';
export type { Store } from './core/store.ts';
export type * from './core/store.ts';
export { systemClock } from './core/clock.ts';
export type { Clock } from './core/clock.ts';
