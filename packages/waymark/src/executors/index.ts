/** Executors of `uses:` steps, and for code inside `ctx.step`: the registry and the built-ins. */
export {
  defineExecutor,
  type Executor,
  type ExecutorContext,
  type ExecutorLogger,
  type ExecutorResult,
  type StepState,
} from './executor.ts';
export { createExecutorRegistry, type ExecutorRegistry } from './registry.ts';
export {
  createExecutorContext,
  invokeExecutor,
  type InvokeOptions,
  type InvokeResult,
} from './invoke-executor.ts';
export {
  checkExecutorArgs,
  formatArgumentIssues,
  type ArgumentIssue,
  type CheckedArguments,
} from './executor-args.ts';
export { DEFAULT_ARTIFACTS_ROOT } from './artifacts.ts';
export { outputLines, type LineStream } from './output-lines.ts';
export { type StepLoggerLimits } from './step-logger.ts';
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
