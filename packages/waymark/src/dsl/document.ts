/**
 * The typed form of a workflow file, as the compiler receives it after validation. Mirrors
 * schema.ts (the validation source of truth); optional keys are absent, never `undefined`.
 */
import type { Duration } from '../core/durations.ts';

export type InputType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'enum';
export type OnFailure = 'stop' | 'continue' | 'retry';
/** An expression `"${ … }"` that must be a bool, or a literal. */
export type Condition = string | boolean;

export interface InputSpec {
  type: InputType;
  /** The allowed values of an enum input. */
  values?: Array<string | number | boolean>;
  default?: unknown;
  required?: boolean;
  description?: string;
}

export interface Backoff {
  initial?: Duration;
  factor?: number;
  max?: Duration;
  /** 0..1: each delay is multiplied by a random factor in [1 - jitter, 1 + jitter]. */
  jitter?: number;
}

export interface Retry {
  max_attempts: number;
  backoff?: Backoff;
}

interface StepBase {
  /** Unique in the workflow: the durable key of the step. */
  id?: string;
  name?: string;
  if?: Condition;
  retry?: Retry;
  /**
   * An executor step: each attempt. A `run`: the child run. Any other step but a `wait`: a
   * deadline for the whole (each attempt of it, when it is retried).
   */
  timeout?: Duration;
  on_failure?: OnFailure;
  outputs?: Record<string, unknown>;
}

export interface UsesStep extends StepBase {
  uses: string;
  with?: Record<string, unknown>;
}
export interface GroupStep extends StepBase {
  steps: Step[];
}
export interface ParallelStep extends StepBase {
  parallel: { branches: Step[]; fail_fast?: boolean };
}
export interface ForeachStep extends StepBase {
  foreach: {
    items: string | unknown[];
    as?: string;
    concurrency?: number;
    fail_fast?: boolean;
    steps: Step[];
  };
}
export interface SwitchStep extends StepBase {
  switch: { cases: Array<{ when: Condition; steps: Step[] }>; default?: Step[] };
}
export interface RunStep extends StepBase {
  /** Another workflow, by id or path, started as a child run. */
  run: { workflow: string; inputs?: Record<string, unknown> };
}
export interface WaitStep extends StepBase {
  /** Exactly one of the two. */
  wait: { duration?: Duration; until?: string };
}
export interface LoopStep extends StepBase {
  loop: { max_iters: number; stop_when?: Condition; steps: Step[] };
}

export type Step =
  UsesStep | GroupStep | ParallelStep | ForeachStep | SwitchStep | RunStep | WaitStep | LoopStep;

export interface StageConfig {
  uses?: string;
  with?: Record<string, unknown>;
  provider?: string;
  role?: string;
  profile?: string;
  skills?: string[];
  prompt?: string;
  model?: string;
  /** A number, or an expression. */
  max_turns?: number | string;
  cwd?: string;
  allowed_tools?: string[];
  permissions?: 'read-only' | 'edit' | 'full';
  /** Each attempt of a `uses` or `provider` stage; a deadline for a stage of `steps`. */
  timeout?: Duration;
  mode?: 'sequential' | 'parallel';
  on_failure?: OnFailure;
  retries?: number;
  retry_backoff?: Backoff;
  steps?: Step[];
}

export interface WorkflowLoop {
  max_iters: number;
  stop_when?: Condition;
  /** The stage execution continues from after the last one, while iterations remain. */
  fallback_next_stage?: string;
}

export interface WorkflowDocument {
  $schema?: string;
  id: string;
  name?: string;
  description?: string;
  version?: string | number;
  inputs?: Record<string, InputSpec>;
  vars?: Record<string, unknown>;
  /** Names of environment variables, masked everywhere. */
  secrets?: string[];
  defaults?: { retry?: Retry; timeout?: Duration };
  output?: unknown;
  timeout?: Duration;
  steps?: Step[];
  stages?: string[];
  stage_configs?: Record<string, StageConfig>;
  loop?: WorkflowLoop;
}
