/**
 * What the agent executors get from the CLI: the process environment (PATH finds the CLIs;
 * API keys reach them) and, per provider, the executable to run instead of the one on PATH —
 * `WAYMARK_<PROVIDER>_BIN` (`WAYMARK_CLAUDE_CODE_BIN=/opt/claude/bin/claude`), else the
 * provider's `binary` in the project configuration (`executors.claude-code.binary`), where a
 * path relative to the configuration file's directory is taken from there.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { AGENT_PROVIDER_NAMES, type AgentExecutorOptions } from '../executors/agent/index.ts';
import type { CliConfig } from './config.ts';
import type { ProjectConfig } from './executors-config.ts';

/** `claude-code` → `WAYMARK_CLAUDE_CODE_BIN`. */
export function agentBinaryVariable(provider: string): string {
  return `WAYMARK_${provider.toUpperCase().replace(/-/g, '_')}_BIN`;
}

export function agentExecutorOptions(
  config: CliConfig,
  project: ProjectConfig,
): AgentExecutorOptions & { binaries: Record<string, string> } {
  // The providers' sections (checked by the configuration's schema), by provider name.
  const sections = (project.executors ?? {}) as Record<string, { binary?: string } | undefined>;
  const binaries: Record<string, string> = {};
  for (const name of AGENT_PROVIDER_NAMES) {
    const fromEnv = config.env[agentBinaryVariable(name)];
    const configured = sections[name]?.binary;
    if (fromEnv !== undefined && fromEnv !== '') binaries[name] = fromEnv;
    else if (configured !== undefined) binaries[name] = configuredPath(configured, config);
  }
  return { baseEnv: config.env, binaries };
}

/** A bare name is looked up on PATH; a relative path is relative to the configuration file. */
function configuredPath(binary: string, config: CliConfig): string {
  if (!binary.includes('/') || isAbsolute(binary)) return binary;
  return resolve(dirname(config.configFile), binary);
}
