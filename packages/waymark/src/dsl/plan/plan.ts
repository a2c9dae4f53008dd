/**
 * What a workflow will do, read from its document before anything runs: the structure,
 * the conditions and loops as written, and the executors with the arguments known up front
 * (literals as they are; templated values as their template text).
 */
import type { Duration } from '../../core/durations.ts';
import type {
  Condition,
  InputSpec,
  OnFailure,
  Retry,
  StageConfig,
  WorkflowDocument,
  WorkflowLoop,
} from '../document.ts';
import type { StepKind } from '../schema.ts';

export interface PlanStep {
  kind: StepKind;
  id?: string;
  name?: string;
  /** The `if` condition as written. */
  if?: Condition;
  retry?: Retry;
  timeout?: Duration;
  on_failure?: OnFailure;
  /** `uses`: the executor and its `with` arguments. */
  executor?: string;
  with?: Record<string, unknown>;
  /** `foreach`. */
  items?: unknown;
  as?: string;
  concurrency?: number;
  /** `parallel` and `foreach`. */
  fail_fast?: boolean;
  /** `loop`. */
  max_iters?: number;
  stop_when?: Condition;
  /** `switch`: each case's condition and steps; `default` is `otherwise`. */
  cases?: Array<{ when: Condition; steps: PlanStep[] }>;
  otherwise?: PlanStep[];
  /** `run`: the child workflow and its inputs. */
  workflow?: string;
  inputs?: Record<string, unknown>;
  /** `wait`. */
  duration?: Duration;
  until?: string;
  /** Nested steps of `steps`, `foreach`, `loop`; the branches of `parallel`. */
  steps?: PlanStep[];
}

/** A stage as configured, with `uses` named `executor` and its steps planned. */
export interface PlanStage extends Omit<StageConfig, 'uses' | 'steps'> {
  name: string;
  executor?: string;
  steps: PlanStep[];
}

export interface Plan {
  id: string;
  name?: string;
  version?: string | number;
  inputs: Record<string, InputSpec>;
  vars: Record<string, unknown>;
  secrets: string[];
  defaults?: WorkflowDocument['defaults'];
  timeout?: Duration;
  steps: PlanStep[];
  stages: PlanStage[];
  loop?: WorkflowLoop;
  output?: unknown;
}
