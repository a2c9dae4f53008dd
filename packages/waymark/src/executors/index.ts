/**
 * Executors of `uses:` steps, and for code inside `ctx.step`: the registry, the built-ins and
 * the coding agents.
 */
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
export {
  createHttpExecutor,
  type HttpArgs,
  type HttpExecutorOptions,
  type HttpOutput,
} from './http/http.ts';
export {
  createModuleExecutor,
  type ModuleArgs,
  type ModuleContext,
  type ModuleExecutorOptions,
  type ModuleRun,
} from './module/module-executor.ts';
export { NetworkPolicy, type NetworkPolicyOptions } from './http/network-policy.ts';
export type { ResolveHost } from './http/guarded-lookup.ts';
export {
  AGENT_PERMISSIONS,
  AGENT_PROVIDERS,
  agentExecutors,
  checkAgentClis,
  claudeCode,
  codex,
  createAgentExecutor,
  DEFAULT_AGENT_TIMEOUT,
  gemini,
  grok,
  prepareBrief,
  type AgentArgs,
  type AgentBrief,
  type AgentCliStatus,
  type AgentDoctorOptions,
  type AgentExecutorOptions,
  type AgentInvocation,
  type AgentPermissions,
  type AgentProvider,
  type AgentResult,
  type AgentStreamParser,
  type TokenCounts,
} from './agent/index.ts';
