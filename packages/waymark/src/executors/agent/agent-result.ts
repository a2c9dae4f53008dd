/**
 * What an agent stage returns, whatever the CLI: `{ text, session_id, tokens, cost_usd?, raw }`,
 * and the errors an agent run fails with.
 */
import { WaymarkError } from '../../core/errors.ts';

/**
 * Token counts in one meaning for every CLI: `input` counts every prompt token, those read
 * from a cache included (`cached_input` says how many); `output` includes reasoning tokens;
 * `total` is `input + output`.
 */
export interface TokenCounts {
  input: number;
  cached_input: number;
  output: number;
  total: number;
}

export interface AgentResult {
  /** The agent's final answer. */
  text: string;
  /** Pass it to the CLI's resume flag to continue the conversation. */
  session_id: string | null;
  /** `null` when the CLI reported none (or only zeros, which Grok uses for "unknown"). */
  tokens: TokenCounts | null;
  /** Only when the CLI reports a complete cost (Claude Code, Grok); Codex and Gemini do not. */
  cost_usd?: number;
  /** The CLI's own final record, as it printed it. */
  raw: unknown;
}

export function tokenCounts(input: number, cachedInput: number, output: number): TokenCounts {
  return { input, cached_input: cachedInput, output, total: input + output };
}

export function addTokens(a: TokenCounts | null, b: TokenCounts | null): TokenCounts | null {
  if (a === null) return b;
  if (b === null) return a;
  return tokenCounts(a.input + b.input, a.cached_input + b.cached_input, a.output + b.output);
}

/** Codes of agent failures. Each says what went wrong in its message too. */
export type AgentErrorCode =
  /** The CLI reported a failure: `is_error`, a failed turn, an error result. */
  | 'AGENT_FAILED'
  /** The CLI exited non-zero (or was killed) without reporting why. */
  | 'AGENT_EXIT'
  /** The CLI printed something that is not its documented output format. */
  | 'AGENT_OUTPUT'
  /** The CLI could not be started (not installed, not executable). */
  | 'AGENT_SPAWN'
  /** The stage asks for something this CLI cannot do, or its role/profile/skill files are wrong. */
  | 'AGENT_CONFIG';

const RETRYABLE: Record<AgentErrorCode, boolean> = {
  AGENT_FAILED: true,
  AGENT_EXIT: true,
  AGENT_OUTPUT: false,
  AGENT_SPAWN: false,
  AGENT_CONFIG: false,
};

export function agentError(
  code: AgentErrorCode,
  message: string,
  details?: Record<string, unknown>,
): WaymarkError {
  return new WaymarkError(code, message, {
    retryable: RETRYABLE[code],
    ...(details === undefined ? {} : { details }),
  });
}
