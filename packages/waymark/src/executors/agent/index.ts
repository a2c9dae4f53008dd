/** Executors for coding-agent CLIs: Claude Code, Codex, Gemini CLI and Grok Build. */
import type { Executor } from '../executor.ts';
import { type AgentExecutorOptions, createAgentExecutor } from './agent-executor.ts';
import { claudeCode } from './claude-code.ts';
import { codex } from './codex.ts';
import { gemini } from './gemini.ts';
import { grok } from './grok.ts';
import { AGENT_PROVIDERS } from './providers.ts';

export { AGENT_CREDENTIAL_ENV, AGENT_PROVIDERS } from './providers.ts';

export { AGENT_PROVIDER_NAMES } from './provider-names.ts';

/** One executor per provider, named after it (`claude-code`, `codex`, `gemini`, `grok`). */
export function agentExecutors(options: AgentExecutorOptions = {}): Executor[] {
  return AGENT_PROVIDERS.map((p) => createAgentExecutor(p, options));
}

/** The providers, for `createAgentExecutor(codex, options)`. */
export { claudeCode, codex, gemini, grok };
export {
  createAgentExecutor,
  DEFAULT_AGENT_TIMEOUT,
  type AgentExecutorOptions,
} from './agent-executor.ts';
export type { AgentProvider, AgentInvocation, AgentStreamParser } from './agent-provider.ts';
export type { AgentResult, TokenCounts } from './agent-result.ts';
export { AGENT_PERMISSIONS, type AgentArgs, type AgentPermissions } from './agent-args.ts';
export { checkAgentClis, type AgentCliStatus, type AgentDoctorOptions } from './agent-doctor.ts';
export { prepareBrief, type AgentBrief } from './prompt-files.ts';
