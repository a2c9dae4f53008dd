import { createHash } from 'node:crypto';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { RunDefinitionSource } from '../core/run.ts';
import { type Duration, parseDuration } from '../core/durations.ts';
import { ValidationError } from '../core/errors.ts';
import { type RetryPolicy, resolveRetryPolicy } from '../core/retry-policy.ts';
import type { WorkflowContext } from './workflow-context.ts';

export interface PanicPolicy {
  /** Restarts after system-level failures (and crash recoveries) in a row before the run fails `RECOVERY_LIMIT`. Default 5. */
  maxRestarts?: number;
  /** Delay before a restart after a panic. Default 1s. */
  restartDelay?: Duration;
}

export interface WorkflowOptions<
  TSchema extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined,
> {
  /** Unique name; runs refer to their workflow by it. */
  name: string;
  version?: string;
  /** A zod schema (or any Standard Schema): the input is validated when a run starts. */
  input?: TSchema;
  /** Default retry policy of the workflow's steps. */
  retry?: RetryPolicy;
  /** Workflow deadline, counted from the run's creation: past it the run fails `WORKFLOW_TIMEOUT`. */
  timeout?: Duration;
  panic?: PanicPolicy;
  /**
   * Names of the secrets the workflow uses, read with `ctx.secret(name)` from the engine's
   * `secrets` source. Their values are masked (`***`) in everything a run records and
   * announces, from the run's start — declare every secret a step might see.
   */
  secrets?: readonly string[];
}

export type WorkflowFunction<I, O> = (ctx: WorkflowContext, input: I) => Promise<O>;

export interface WorkflowDefinition<I = unknown, O = unknown> {
  readonly kind: 'waymark.workflow';
  readonly name: string;
  readonly version: string | null;
  readonly inputSchema: StandardSchemaV1 | undefined;
  /** Undefined when the workflow sets none (the engine default applies). */
  readonly retry: RetryPolicy | undefined;
  readonly timeoutMs: number | null;
  readonly panic: { maxRestarts: number; restartDelayMs: number };
  /** Declared secret names (values come from the engine; they are never recorded). */
  readonly secrets: readonly string[];
  /** A method, so a definition of any input type fits where `WorkflowDefinition` is expected. */
  fn(ctx: WorkflowContext, input: I): Promise<O>;
  /**
   * The text the definition was compiled from (a YAML workflow), with those of the workflows
   * it may start, recorded with every run it starts (each with its sha256 hash) so a run can
   * be resumed with exactly that definition.
   */
  readonly definitionSource?: DefinitionSource;
}

/** A workflow's text as compiled, and those of the workflows it may start as child runs. */
export interface DefinitionSource {
  source: string;
  file: string | null;
  /** By the reference its `run` steps use. */
  nested?: Readonly<Record<string, DefinitionSource>>;
}

const recorded = new WeakMap<WorkflowDefinition, RunDefinitionSource | null>();

/**
 * What a run records of its definition: the source, its sha256 hex, its file, its nested
 * workflows; or null. Hashed once per definition (definitions are frozen), not once per run.
 */
export function recordedDefinition(definition: WorkflowDefinition): RunDefinitionSource | null {
  let source = recorded.get(definition);
  if (source === undefined) {
    const from = definition.definitionSource;
    source = from === undefined ? null : hashed(from);
    recorded.set(definition, source);
  }
  return source;
}

function hashed(from: DefinitionSource): RunDefinitionSource {
  const { nested } = from;
  return {
    source: from.source,
    hash: createHash('sha256').update(from.source, 'utf8').digest('hex'),
    file: from.file,
    ...(nested === undefined
      ? {}
      : {
          nested: Object.fromEntries(
            Object.keys(nested).map((ref) => [ref, hashed(nested[ref] as DefinitionSource)]),
          ),
        }),
  };
}

export const DEFAULT_PANIC_POLICY = { maxRestarts: 5, restartDelayMs: 1_000 } as const;

/**
 * Defines a workflow. Its function must be deterministic apart from what it does inside
 * steps: replay calls it again and expects the same steps in the same order.
 *
 * @example
 * const greet = defineWorkflow(
 *   { name: 'greet', input: z.object({ name: z.string() }) },
 *   async (ctx, input) => {
 *     const text = await ctx.step('compose', () => `hello ${input.name}`);
 *     await ctx.sleep('pause', '5m');
 *     return { text };
 *   },
 * );
 */
export function defineWorkflow<TSchema extends StandardSchemaV1, O>(
  options: WorkflowOptions<TSchema> & { input: TSchema },
  fn: (ctx: WorkflowContext, input: StandardSchemaV1.InferOutput<TSchema>) => Promise<O>,
): WorkflowDefinition<StandardSchemaV1.InferInput<TSchema>, O>;
export function defineWorkflow<I = unknown, O = unknown>(
  options: WorkflowOptions<undefined>,
  fn: (ctx: WorkflowContext, input: I) => Promise<O>,
): WorkflowDefinition<I, O>;
export function defineWorkflow(
  options: WorkflowOptions<StandardSchemaV1 | undefined>,
  fn: WorkflowFunction<unknown, unknown>,
): WorkflowDefinition {
  const problems: { path: string; message: string }[] = [];
  if (typeof options.name !== 'string' || !/^[A-Za-z0-9][\w.:-]{0,199}$/.test(options.name)) {
    problems.push({
      path: 'name',
      message:
        'must be 1-200 characters: letters, digits, "_", "-", ".", ":" (starting with a letter or digit)',
    });
  }
  if (typeof fn !== 'function') problems.push({ path: 'fn', message: 'must be an async function' });
  const secrets: unknown = options.secrets ?? [];
  if (
    !Array.isArray(secrets) ||
    !secrets.every((name) => typeof name === 'string' && name !== '')
  ) {
    problems.push({ path: 'secrets', message: 'must be a list of non-empty secret names' });
  }
  if (options.retry !== undefined) {
    try {
      resolveRetryPolicy(options.retry);
    } catch (error) {
      if (error instanceof ValidationError) problems.push(...error.issues);
      else throw error;
    }
  }
  if (problems.length > 0) {
    throw new ValidationError(`invalid workflow definition "${String(options.name)}"`, problems);
  }
  return Object.freeze({
    kind: 'waymark.workflow',
    name: options.name,
    version: options.version ?? null,
    inputSchema: options.input,
    retry: options.retry,
    timeoutMs: options.timeout === undefined ? null : parseDuration(options.timeout, 'timeout'),
    panic: {
      maxRestarts: options.panic?.maxRestarts ?? DEFAULT_PANIC_POLICY.maxRestarts,
      restartDelayMs:
        options.panic?.restartDelay === undefined
          ? DEFAULT_PANIC_POLICY.restartDelayMs
          : parseDuration(options.panic.restartDelay, 'panic.restartDelay'),
    },
    secrets: Object.freeze([...(secrets as string[])]),
    fn,
  });
}

export function isWorkflowDefinition(value: unknown): value is WorkflowDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'waymark.workflow' &&
    typeof (value as { fn?: unknown }).fn === 'function'
  );
}
