import { parseDuration } from '../core/durations.ts';
import { ValidationError } from '../core/errors.ts';
import { uuidv4 } from '../core/ids.ts';
import { isValidStepName } from '../core/step-key.ts';
import type { RunExecution } from './run-execution.ts';
import { runGroup } from './group-step.ts';
import { runStep } from './run-step.ts';
import { defineRunSignal } from './run-signal-property.ts';
import { StepDeadline } from './step-deadline.ts';
import { recordSkip, recordValue, runChild, sleepTarget, sleepUntil } from './step-operations.ts';
import type {
  ChildRunOptions,
  GroupOptions,
  StepFunction,
  StepOptions,
  WorkflowContext,
} from './workflow-context.ts';
import { type WorkflowDefinition, isWorkflowDefinition } from './workflow.ts';

/**
 * Builds the `ctx` a workflow function receives. Keys are taken synchronously, at call
 * time, so concurrent branches (`Promise.all` over steps) get the same keys on every replay.
 */
export function createWorkflowContext(ex: RunExecution): WorkflowContext {
  return new RunContext(ex);
}

/**
 * `ctx`: its methods are own arrow functions, so `const { step } = ctx` works, and `signal`
 * an own getter (see defineRunSignal).
 */
class RunContext implements WorkflowContext {
  readonly #ex: RunExecution;
  readonly runId: string;
  readonly workflowName: string;
  declare readonly signal: AbortSignal;

  constructor(ex: RunExecution) {
    this.#ex = ex;
    this.runId = ex.runId;
    this.workflowName = ex.definition.name;
    defineRunSignal(this, ex);
  }

  #key(name: string): string {
    if (typeof name !== 'string' || !isValidStepName(name)) {
      throw new ValidationError(
        `invalid step name ${JSON.stringify(name)}: use 1-200 characters, no "#", not starting with a space`,
      );
    }
    return this.#ex.keys.next(name);
  }

  readonly step: WorkflowContext['step'] = <T>(
    name: string,
    a: StepOptions | StepFunction<T>,
    b?: StepFunction<T>,
  ): Promise<T> => {
    const fn = typeof a === 'function' ? a : b;
    const options = typeof a === 'function' ? {} : a;
    if (typeof fn !== 'function') {
      return Promise.reject(new ValidationError(`step "${name}" needs a function`));
    }
    const ex = this.#ex;
    const k = this.#key(name);
    return ex.track(() => runStep(ex, k, name, options, fn), options.signal);
  };

  readonly sleep: WorkflowContext['sleep'] = (name, duration, options = {}) => {
    const ex = this.#ex;
    const k = this.#key(name);
    const { signal } = options;
    return ex.track(() => sleepUntil(ex, k, name, sleepTarget(duration, k), signal), signal);
  };

  readonly sleepUntil: WorkflowContext['sleepUntil'] = (name, until, options = {}) => {
    const ex = this.#ex;
    const k = this.#key(name);
    const at = typeof until === 'number' ? until : until.getTime();
    const { signal } = options;
    return ex.track(() => sleepUntil(ex, k, name, () => at, signal), signal);
  };

  readonly group: WorkflowContext['group'] = <T>(
    name: string,
    options: GroupOptions,
    fn: (attempt: number, signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> => {
    if (typeof fn !== 'function') {
      return Promise.reject(new ValidationError(`group "${name}" needs a function`));
    }
    return runGroup(this.#ex, this.#key(name), name, options, fn);
  };

  readonly run: WorkflowContext['run'] = <CI, CO>(
    child: WorkflowDefinition<CI, CO>,
    input: CI,
    options: ChildRunOptions = {},
  ): Promise<CO> => {
    if (!isWorkflowDefinition(child as unknown)) {
      return Promise.reject(
        new ValidationError('ctx.run needs a workflow made with defineWorkflow'),
      );
    }
    const ex = this.#ex;
    const name = options.name ?? child.name;
    const k = this.#key(name);
    const { signal, timeout } = options;
    if (timeout === undefined) {
      return ex.track(() => runChild(ex, k, name, child, input, { signal }), signal);
    }
    let timeoutMs: number;
    try {
      timeoutMs = parseDuration(timeout, `timeout of child run "${k}"`);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const deadline = new StepDeadline(ex, k, signal);
    const bounded = { signal, deadline, timeoutMs };
    return ex
      .track(() => runChild(ex, k, name, child, input, bounded), deadline.signal)
      .finally(() => deadline.dispose());
  };

  readonly skip: WorkflowContext['skip'] = (name, reason, options = {}) => {
    const ex = this.#ex;
    const k = this.#key(name);
    const data = { reason, ...options.data };
    return ex.track(() => recordSkip(ex, k, name, data, options.signal));
  };

  readonly now: WorkflowContext['now'] = () => {
    const ex = this.#ex;
    const k = this.#key('$now');
    return ex.track(async () => new Date(await recordValue(ex, k, '$now', () => ex.now())));
  };

  readonly random: WorkflowContext['random'] = () => {
    const ex = this.#ex;
    const k = this.#key('$random');
    return ex.track(() => recordValue(ex, k, '$random', () => (ex.deps.random ?? Math.random)()));
  };

  readonly uuid: WorkflowContext['uuid'] = () => {
    const ex = this.#ex;
    const k = this.#key('$uuid');
    return ex.track(() => recordValue(ex, k, '$uuid', uuidv4));
  };

  readonly secret: WorkflowContext['secret'] = (name) => {
    if (typeof name !== 'string' || name === '') {
      throw new ValidationError(`invalid secret name ${JSON.stringify(name)}`);
    }
    return this.#ex.secrets.read(name);
  };
}
