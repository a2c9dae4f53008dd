import type { RunExecution } from './run-execution.ts';

const EXECUTION = Symbol('waymark.execution');

interface WithExecution {
  [EXECUTION]: RunExecution;
}

/** One getter for every object: V8 then keeps them all in one fast shape. */
const SIGNAL: PropertyDescriptor = {
  get(this: WithExecution): AbortSignal {
    return this[EXECUTION].abort.signal;
  },
  enumerable: true,
  configurable: true,
};

/**
 * Gives `target` (ctx, a step's context) the run's AbortSignal as an own, enumerable getter,
 * as `get signal()` in an object literal would: spread or listed, the object still has its
 * signal, and the signal is built only when read (RunAbort is lazy). Not written in a
 * literal: a getter there puts every such object in V8's dictionary mode, twice the size and
 * ~20× slower to build, and ctx and a step's context are made once per run and per attempt.
 */
export function defineRunSignal(target: object, ex: RunExecution): void {
  (target as WithExecution)[EXECUTION] = ex;
  Object.defineProperty(target, 'signal', SIGNAL);
}
