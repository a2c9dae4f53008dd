/**
 * What the agent executors get from the CLI: the process environment (PATH finds the CLIs;
 * API keys reach them) and, per provider, an executable named by `WAYMARK_<PROVIDER>_BIN`
 * (`WAYMARK_CLAUDE_CODE_BIN=/opt/claude/bin/claude`).
 */
import { AGENT_PROVIDER_NAMES, type AgentExecutorOptions } from '../executors/agent/index.ts';
import type { CliConfig } from './config.ts';

/** `claude-code` → `WAYMARK_CLAUDE_CODE_BIN`. */
export function agentBinaryVariable(provider: string): string {
  return `WAYMARK_${provider.toUpperCase().replace(/-/g, '_')}_BIN`;
}

export function agentExecutorOptions(config: CliConfig): AgentExecutorOptions {
  const binaries: Record<string, string> = {};
  for (const name of AGENT_PROVIDER_NAMES) {
    const path = config.env[agentBinaryVariable(name)];
    if (path !== undefined && path !== '') binaries[name] = path;
  }
  return { baseEnv: config.env, binaries };
}
