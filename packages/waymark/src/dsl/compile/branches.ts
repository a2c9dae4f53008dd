/**
 * Work that runs at once: a `parallel`'s branches, a `foreach`'s iterations. Each branch runs
 * on its own copy of vars and steps, under a signal of its own:
 *
 * - `fail_fast`: the first failure aborts the signal, which cancels the other branches —
 *   their running steps' signals abort (a shell step's process is killed), their sleeps,
 *   child runs and retry backoffs stop, and they record nothing further — and no new branch
 *   starts. The step then fails with that failure's error.
 * - Otherwise every branch runs to its end and all failures are reported together.
 *
 * Either way the step ends only once every branch has: cancelled branches end promptly, and
 * their `cancelled` records are what a replay finds. Completion order differs between a first
 * run and a replay (recorded steps resolve at once), so nothing here depends on it: what the
 * branches changed is merged back, and the failure to report picked, in declaration order.
 */
import { StepCancelledError, WaymarkError } from '../../core/errors.ts';
import { serializeError } from '../../core/serialize-error.ts';
import type { Frame } from './interpret.ts';
import { isCancellation } from './step-state.ts';

export interface BranchesOptions {
  /** The step in messages: `parallel "checks"`. */
  owner: string;
  /** A branch in messages: `branch "lint"`, `iteration 2`. */
  label(index: number): string;
  /** Branches in messages: `branches`, `iterations`. */
  plural: string;
  failFast: boolean;
  /** At most this many branches at once; the next starts when one ends. Default: all. */
  concurrency?: number;
  /** Whether what branches change in vars and steps is merged back (parallel), or dropped. */
  merge: boolean;
  /** The error code when several branches failed. */
  code: string;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export async function runBranches(
  frame: Frame,
  count: number,
  run: (index: number, branch: Frame) => Promise<unknown>,
  options: BranchesOptions,
): Promise<unknown[]> {
  const controller = new AbortController();
  const outer = frame.signal;
  const forward = (): void => controller.abort(outer?.reason);
  if (outer?.aborted === true) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  const branches: Frame[] = Array.from({ length: count }, () => ({
    ...frame,
    signal: controller.signal,
    scope: { ...frame.scope, vars: { ...frame.scope.vars }, steps: { ...frame.scope.steps } },
  }));
  // Undefined: never started (the scope was cancelled first).
  const outcomes: Array<Outcome | undefined> = new Array<Outcome | undefined>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && !controller.signal.aborted) {
      const i = next++;
      try {
        outcomes[i] = { ok: true, value: await run(i, branches[i] as Frame) };
      } catch (error) {
        outcomes[i] = { ok: false, error };
        if (options.failFast && !isCancellation(error) && !controller.signal.aborted) {
          controller.abort(
            new WaymarkError('FAIL_FAST', `${options.label(i)} of ${options.owner} failed`),
          );
        }
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? count, count));
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    outer?.removeEventListener('abort', forward);
  }
  if (options.merge) mergeBack(frame, branches);
  return outcome(outcomes, options);
}

/** What each branch changed in vars and steps, in declaration order. */
function mergeBack(frame: Frame, branches: readonly Frame[]): void {
  const { vars, steps } = frame.scope;
  const before = { vars: { ...vars }, steps: { ...steps } };
  for (const branch of branches) {
    for (const [k, v] of Object.entries(branch.scope.vars)) {
      if (v !== before.vars[k]) define(vars, k, v);
    }
    for (const [k, v] of Object.entries(branch.scope.steps)) {
      if (v !== before.steps[k]) define(steps, k, v);
    }
  }
}

function outcome(
  outcomes: ReadonlyArray<Outcome | undefined>,
  options: BranchesOptions,
): unknown[] {
  const failures: Array<{ index: number; error: unknown }> = [];
  let cancelled: unknown;
  outcomes.forEach((o, index) => {
    if (o === undefined || o.ok) return;
    if (isCancellation(o.error)) cancelled ??= o.error;
    else failures.push({ index, error: o.error });
  });
  const [first] = failures;
  if (first !== undefined) {
    if (options.failFast || failures.length === 1) throw first.error;
    throw severalFailed(failures, outcomes.length, options);
  }
  // No branch failed, yet some were stopped: the scope around the step was cancelled.
  if (cancelled !== undefined) throw cancelled;
  if (outcomes.some((o) => o === undefined)) {
    throw new StepCancelledError(`${options.owner} was cancelled`, { started: true });
  }
  return outcomes.map((o) => (o?.ok === true ? o.value : null));
}

function severalFailed(
  failures: ReadonlyArray<{ index: number; error: unknown }>,
  total: number,
  options: BranchesOptions,
): WaymarkError {
  const listed = failures.map(({ index, error }) => {
    const s = serializeError(error);
    return {
      branch: options.label(index),
      code: s.code,
      message: s.message,
      retryable: s.retryable,
    };
  });
  return new WaymarkError(
    options.code,
    `${failures.length} of ${total} ${options.plural} of ${options.owner} failed: ` +
      listed.map((f) => `${f.branch}: ${f.message}`).join('; '),
    {
      retryable: listed.every((f) => f.retryable),
      details: { failures: listed.map(({ retryable: _r, ...f }) => f) },
      cause: failures[0]?.error,
    },
  );
}

function define(record: object, key: string, value: unknown): void {
  Object.defineProperty(record, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
