/**
 * Claude Code: `claude -p --output-format=stream-json --verbose …` with the prompt on stdin.
 * The list flags of `claude` are variadic and would swallow a prompt given after them, so
 * every flag takes its value after `=` and the prompt never is an argument. Role, profile and
 * skills go to `--append-system-prompt`.
 */
import type { AgentPermissions } from './agent-args.ts';
import type { AgentProvider } from './agent-provider.ts';
import { createClaudeStreamParser } from './claude-stream.ts';

/** Claude's permission modes (Grok has the same). */
export const PERMISSION_MODE: Record<AgentPermissions, string> = {
  // dontAsk denies every tool that is not pre-approved instead of asking: reading stays allowed.
  'read-only': 'dontAsk',
  edit: 'acceptEdits',
  full: 'bypassPermissions',
};

export const claudeCode: AgentProvider = {
  name: 'claude-code',
  title: 'Claude Code',
  binary: 'claude',
  npmPackage: '@anthropic-ai/claude-code',
  credentialEnv: ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'],
  help: {
    args: ['--help'],
    mentions: ['--output-format', '--verbose', '--append-system-prompt', '--permission-mode'],
  },
  lacks: {},
  invocation(brief) {
    const { model, max_turns: maxTurns, allowed_tools: tools, permissions } = brief.settings;
    const args = ['-p', '--output-format=stream-json', '--verbose'];
    if (model !== undefined) args.push(`--model=${model}`);
    if (maxTurns !== undefined) args.push(`--max-turns=${maxTurns}`);
    if (permissions !== undefined) args.push(`--permission-mode=${PERMISSION_MODE[permissions]}`);
    if (tools !== undefined && tools.length > 0) args.push(`--allowedTools=${tools.join(',')}`);
    if (brief.instructions !== '') args.push(`--append-system-prompt=${brief.instructions}`);
    return {
      args,
      stdin: brief.prompt,
      envDefaults: { DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' },
    };
  },
  parser: () => createClaudeStreamParser({ zeroUsageIsUnknown: false }),
};
