/**
 * The tree the interpreter runs, built once from a workflow document when it loads (build.ts):
 * each step with its compiled expressions, and the stages.
 */
import type { Duration } from '../../core/durations.ts';
import type { RetryPolicy } from '../../core/retry-policy.ts';
import type { OnFailure } from '../document.ts';
import type { ExpressionScope } from '../expressions/index.ts';
import type { DocumentPath } from '../parse-yaml.ts';

/** A compiled value: constants as they are, templates evaluated against a scope. */
export type Evaluate = (scope: ExpressionScope) => unknown;

export interface NodeBase {
  id: string | undefined;
  path: DocumentPath;
  condition: Evaluate | undefined;
  /** The `if` as written, for the history of a skip. */
  conditionText: string | undefined;
  onFailure: OnFailure;
  /** The step's own `retry`: an executor step's attempts, or how a group is retried. */
  retry: RetryPolicy | undefined;
  /** Each attempt of an executor step; the child run of a `run`; else the whole step's. */
  timeout: Duration | undefined;
  outputs: Evaluate | undefined;
}

export type StepNode = NodeBase &
  (
    | {
        kind: 'uses';
        executor: string;
        with: Evaluate;
        /**
         * The arguments as written (word arguments split), `${ }` not evaluated: checked
         * against the executor's schema when the workflow loads, except where a `${ }` stands.
         */
        givenWith: unknown;
        /** Word arguments given as one string: where each word starts in it. */
        wordOffsets: Readonly<Record<string, readonly number[]>>;
        /** Where `with` is in the document; its `uses` when it has none. */
        withPath: DocumentPath;
      }
    | { kind: 'steps'; steps: StepNode[] }
    | { kind: 'parallel'; branches: StepNode[]; failFast: boolean }
    | {
        kind: 'foreach';
        items: Evaluate;
        /** The name given by `as`; without it the item is `item`. */
        as: string | undefined;
        concurrency: number;
        failFast: boolean;
        steps: StepNode[];
      }
    | {
        kind: 'switch';
        cases: Array<{ when: Evaluate; steps: StepNode[] }>;
        otherwise: StepNode[] | undefined;
      }
    | { kind: 'run'; workflow: string; inputs: Evaluate }
    | { kind: 'wait'; duration: Evaluate | undefined; until: Evaluate | undefined }
    | { kind: 'loop'; maxIters: number; stopWhen: Evaluate | undefined; steps: StepNode[] }
  );

export type StageNode = {
  name: string;
  onFailure: OnFailure;
  mode: 'sequential' | 'parallel';
  /** From `retries` and `retry_backoff`. */
  retry: RetryPolicy | undefined;
  /** Each attempt of a `uses` or `provider` stage; the deadline of a stage of `steps`. */
  timeout: Duration | undefined;
} & (
  | {
      kind: 'uses';
      executor: string;
      with: Evaluate;
      givenWith: unknown;
      wordOffsets: Readonly<Record<string, readonly number[]>>;
      withPath: DocumentPath;
    }
  | {
      kind: 'provider';
      /**
       * The agent's executor (`claude-code`, …). Its arguments are the stage's agent keys
       * (`prompt`, `role`, …), which stand in the stage itself (`withPath`).
       */
      executor: string;
      with: Evaluate;
      givenWith: unknown;
      wordOffsets: Readonly<Record<string, readonly number[]>>;
      withPath: DocumentPath;
    }
  | { kind: 'steps'; steps: StepNode[] }
);

export interface BuiltWorkflow {
  /** Evaluated in order, each seeing the ones before. */
  vars: Array<[string, Evaluate]>;
  steps: StepNode[];
  stages: StageNode[];
  loop:
    { maxIters: number; stopWhen: Evaluate | undefined; fallback: string | undefined } | undefined;
  output: Evaluate | undefined;
  defaults: { retry: RetryPolicy | undefined; timeout: Duration | undefined };
}

/** Every step of the tree, nested ones and those of stages included, in document order. */
export function allStepNodes(tree: BuiltWorkflow): StepNode[] {
  const out: StepNode[] = [];
  const visit = (nodes: readonly StepNode[]): void => {
    for (const node of nodes) {
      out.push(node);
      if (node.kind === 'steps' || node.kind === 'foreach' || node.kind === 'loop') {
        visit(node.steps);
      } else if (node.kind === 'parallel') {
        visit(node.branches);
      } else if (node.kind === 'switch') {
        for (const c of node.cases) visit(c.steps);
        visit(node.otherwise ?? []);
      }
    }
  };
  visit(tree.steps);
  for (const stage of tree.stages) if (stage.kind === 'steps') visit(stage.steps);
  return out;
}
