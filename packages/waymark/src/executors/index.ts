/** Executors of `uses:` steps: the registry and the built-ins. */
export {
  defineExecutor,
  type Executor,
  type ExecutorContext,
  type ExecutorResult,
} from './executor.ts';
export { createExecutorRegistry, type ExecutorRegistry } from './registry.ts';
export {
  builtinExecutors,
  createLogExecutor,
  failExecutor,
  noopExecutor,
  setExecutor,
  type BuiltinExecutorOptions,
  type LogExecutorOptions,
} from './builtins.ts';
export { createShellExecutor, type ShellArgs, type ShellExecutorOptions } from './shell.ts';
