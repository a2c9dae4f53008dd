/**
 * OpenAI Codex: `codex exec --json … -`, the prompt on stdin (`-`), as Codex's own SDK sends
 * it. Codex has no system-prompt flag, so role, profile and skills go in front of the prompt;
 * it has no max-turns limit and no per-tool allow list (see `lacks`).
 *
 * JSONL events: `thread.started` (the session id), `item.*` (messages, commands, file
 * changes), then `turn.completed` with the usage, or `turn.failed`. A top-level `error` can be
 * transient (Codex reconnects), so it fails the run only when no turn completes.
 */
import type { AgentPermissions } from './agent-args.ts';
import {
  type AgentProvider,
  type AgentStreamParser,
  clip,
  isObject,
  numberOr0,
  promptWithInstructions,
  stringOrNull,
  textLines,
  toolLine,
} from './agent-provider.ts';
import { addTokens, type TokenCounts, tokenCounts } from './agent-result.ts';

const SANDBOX: Record<AgentPermissions, string[]> = {
  'read-only': ['--sandbox=read-only', '-c', 'approval_policy="never"'],
  edit: ['--sandbox=workspace-write', '-c', 'approval_policy="never"'],
  full: ['--dangerously-bypass-approvals-and-sandbox'],
};

export const codex: AgentProvider = {
  name: 'codex',
  title: 'OpenAI Codex',
  binary: 'codex',
  npmPackage: '@openai/codex',
  credentialEnv: ['OPENAI_API_KEY', 'CODEX_API_KEY'],
  help: { args: ['exec', '--help'], mentions: ['--json', '--sandbox', '--skip-git-repo-check'] },
  lacks: {
    max_turns: 'max-turns limit (its timeout bounds a run)',
    allowed_tools: 'per-tool allow list (permissions sets its sandbox)',
  },
  invocation(brief) {
    const { model, permissions } = brief.settings;
    const args = ['exec', '--json', '--color=never', '--skip-git-repo-check'];
    if (model !== undefined) args.push(`--model=${model}`);
    if (permissions !== undefined) args.push(...SANDBOX[permissions]);
    args.push('-');
    return { args, stdin: promptWithInstructions(brief) };
  },
  parser: createCodexParser,
};

function createCodexParser(): AgentStreamParser {
  let threadId: string | null = null;
  let text = '';
  let tokens: TokenCounts | null = null;
  let completed: Record<string, unknown> | undefined;
  let failed: string | undefined;
  let lastError: string | undefined;
  return {
    event(event) {
      switch (event.type) {
        case 'thread.started':
          threadId = stringOrNull(event.thread_id);
          return [`session ${threadId ?? '?'}`];
        case 'item.completed':
          if (!isObject(event.item)) return [];
          if (event.item.type === 'agent_message' && typeof event.item.text === 'string') {
            text = event.item.text;
          }
          return itemLines(event.item);
        case 'turn.completed':
          completed = event;
          tokens = addTokens(tokens, usageTokens(event.usage));
          return [];
        case 'turn.failed':
          failed = messageOf(event.error) ?? 'the turn failed';
          return [`turn failed: ${failed}`];
        case 'error':
          lastError = messageOf(event) ?? 'unknown error';
          return [`error: ${lastError}`];
        default:
          return [];
      }
    },
    end() {
      if (failed !== undefined) return { kind: 'failed', message: failed };
      if (completed === undefined) {
        return lastError === undefined
          ? { kind: 'incomplete', message: 'the output ended without "turn.completed"' }
          : { kind: 'failed', message: lastError };
      }
      return { kind: 'done', result: { text, session_id: threadId, tokens, raw: completed } };
    },
  };
}

function itemLines(item: Record<string, unknown>): string[] {
  switch (item.type) {
    case 'agent_message':
      return typeof item.text === 'string' ? textLines(item.text) : [];
    case 'command_execution': {
      const code = typeof item.exit_code === 'number' ? ` → exit ${item.exit_code}` : '';
      return [clip(`$ ${String(item.command ?? '')}${code}`)];
    }
    case 'file_change': {
      const paths = Array.isArray(item.changes)
        ? item.changes
            .filter(isObject)
            .map((c) => `${String(c.kind ?? 'update')} ${String(c.path ?? '?')}`)
        : [];
      return [clip(`files: ${paths.join(', ')}`)];
    }
    case 'mcp_tool_call':
      return [
        toolLine(`${String(item.server ?? '?')}.${String(item.tool ?? '?')}`, item.arguments),
      ];
    case 'web_search':
      return [clip(`web search: ${String(item.query ?? '')}`)];
    case 'error':
      return [clip(`error: ${String(item.message ?? '')}`)];
    default:
      return [];
  }
}

/** Codex's `input_tokens` include the cached ones; `output_tokens` the reasoning ones. */
function usageTokens(usage: unknown): TokenCounts | null {
  if (!isObject(usage)) return null;
  return tokenCounts(
    numberOr0(usage.input_tokens),
    numberOr0(usage.cached_input_tokens),
    numberOr0(usage.output_tokens),
  );
}

function messageOf(value: unknown): string | undefined {
  return isObject(value) && typeof value.message === 'string' ? value.message : undefined;
}
