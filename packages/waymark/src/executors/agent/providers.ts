import type { AgentProvider } from './agent-provider.ts';
import { claudeCode } from './claude-code.ts';
import { codex } from './codex.ts';
import { gemini } from './gemini.ts';
import { grok } from './grok.ts';

export const AGENT_PROVIDERS: readonly AgentProvider[] = [claudeCode, codex, gemini, grok];

/**
 * Every provider's credential variables. An agent's output is masked for all of them, not
 * only its own: one agent may run another, or print the environment it inherited.
 */
export const AGENT_CREDENTIAL_ENV: readonly string[] = AGENT_PROVIDERS.flatMap(
  (p) => p.credentialEnv,
);
