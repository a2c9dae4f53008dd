import { ValidationError } from '../core/errors.ts';
import type { Executor } from './executor.ts';

/** The executors a workflow's `uses:` may name. */
export interface ExecutorRegistry {
  get(name: string): Executor | undefined;
  /** Sorted names, for validation (`knownExecutors`) and messages. */
  names(): string[];
}

/**
 * @example
 * const executors = createExecutorRegistry(builtinExecutors({ shell: { baseEnv: process.env } }));
 */
export function createExecutorRegistry(executors: readonly Executor[]): ExecutorRegistry {
  const byName = new Map<string, Executor>();
  for (const executor of executors) {
    if (byName.has(executor.name)) {
      throw new ValidationError(`executor "${executor.name}" is registered twice`);
    }
    byName.set(executor.name, executor);
  }
  return {
    get: (name) => byName.get(name),
    names: () => [...byName.keys()].sort(),
  };
}
