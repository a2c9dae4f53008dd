/**
 * The Claude Code `stream-json` format (NDJSON): `system`/`init`, then `assistant` and `user`
 * messages, last a `result` object. Grok's `streaming-messages-json` is the same shape, so
 * both adapters use this parser. Unknown types are ignored.
 *
 * A failure is `is_error: true` on the result (Claude reports "Not logged in" with
 * `subtype: "success"`, so the subtype alone says nothing) or an `{ type: "error" }` object.
 */
import {
  type AgentOutcome,
  type AgentStreamParser,
  clip,
  isObject,
  numberOr0,
  stringOrNull,
  textLines,
  toolLine,
} from './agent-provider.ts';
import { type AgentResult, type TokenCounts, tokenCounts } from './agent-result.ts';

export interface ClaudeStreamOptions {
  /** Grok writes all-zero usage when it does not know it: report no tokens then. */
  zeroUsageIsUnknown: boolean;
}

export function createClaudeStreamParser(options: ClaudeStreamOptions): AgentStreamParser {
  let sessionId: string | null = null;
  let result: Record<string, unknown> | undefined;
  let errorMessage: string | undefined;
  return {
    event(event) {
      switch (event.type) {
        case 'system':
          if (event.subtype !== 'init') return [];
          sessionId = stringOrNull(event.session_id) ?? sessionId;
          return [
            `session ${sessionId ?? '?'}${typeof event.model === 'string' ? ` · ${event.model}` : ''}`,
          ];
        case 'assistant':
          return contentBlocks(event).flatMap(assistantLine);
        case 'user':
          return contentBlocks(event).flatMap(toolResultLine);
        case 'result':
          result = event;
          return [resultLine(event)];
        case 'error':
          errorMessage = errorText(event) ?? 'unknown error';
          return [`error: ${errorMessage}`];
        default:
          return [];
      }
    },
    end(): AgentOutcome {
      if (errorMessage !== undefined) return { kind: 'failed', message: errorMessage };
      if (result === undefined) {
        return { kind: 'incomplete', message: 'the output ended without its "result" message' };
      }
      if (result.is_error === true) return { kind: 'failed', message: resultError(result) };
      return { kind: 'done', result: toResult(result, sessionId, options) };
    },
  };
}

function contentBlocks(event: Record<string, unknown>): Array<Record<string, unknown>> {
  const message = event.message;
  if (!isObject(message) || !Array.isArray(message.content)) return [];
  return message.content.filter(isObject);
}

function assistantLine(block: Record<string, unknown>): string[] {
  if (block.type === 'text' && typeof block.text === 'string') return textLines(block.text);
  if (block.type === 'tool_use' && typeof block.name === 'string') {
    return [toolLine(block.name, block.input)];
  }
  return [];
}

function toolResultLine(block: Record<string, unknown>): string[] {
  if (block.type !== 'tool_result') return [];
  const content = block.content;
  const text =
    typeof content === 'string'
      ? content
      : Array.isArray(content)
        ? content
            .filter(isObject)
            .map((c) => (typeof c.text === 'string' ? c.text : ''))
            .join(' ')
        : '';
  return [clip(`← ${block.is_error === true ? '(error) ' : ''}${text}`)];
}

function resultLine(result: Record<string, unknown>): string {
  const turns = typeof result.num_turns === 'number' ? `, ${result.num_turns} turns` : '';
  const cost =
    typeof result.total_cost_usd === 'number' ? `, $${result.total_cost_usd.toFixed(4)}` : '';
  const status = result.is_error === true ? 'error' : String(result.subtype ?? 'done');
  return `result: ${status}${turns}${cost}`;
}

function resultError(result: Record<string, unknown>): string {
  const subtype =
    typeof result.subtype === 'string' && result.subtype !== 'success' ? result.subtype : '';
  const errors = Array.isArray(result.errors)
    ? result.errors.map(String).filter((e) => e !== '')
    : [];
  const text = stringOrNull(result.result) ?? (errors.length > 0 ? errors.join('; ') : null);
  if (text === null) return subtype === '' ? 'an error result without a message' : subtype;
  return subtype === '' ? text : `${subtype}: ${text}`;
}

function errorText(event: Record<string, unknown>): string | undefined {
  if (typeof event.message === 'string') return event.message;
  if (isObject(event.error) && typeof event.error.message === 'string') return event.error.message;
  return undefined;
}

function toResult(
  result: Record<string, unknown>,
  sessionId: string | null,
  options: ClaudeStreamOptions,
): AgentResult {
  const tokens = tokensOf(result);
  const cost = result.total_cost_usd;
  return {
    text: typeof result.result === 'string' ? result.result : '',
    session_id: stringOrNull(result.session_id) ?? sessionId,
    tokens: options.zeroUsageIsUnknown && tokens?.total === 0 ? null : tokens,
    ...(typeof cost === 'number' && Number.isFinite(cost) ? { cost_usd: cost } : {}),
    raw: result,
  };
}

/**
 * `modelUsage` counts subagents too, so it is preferred; `usage` covers the main loop only.
 * Claude's `input_tokens` are the uncached ones: cache reads and writes are added to them.
 */
function tokensOf(result: Record<string, unknown>): TokenCounts | null {
  const models = isObject(result.modelUsage)
    ? Object.values(result.modelUsage).filter(isObject)
    : [];
  if (models.length > 0) {
    let input = 0;
    let cached = 0;
    let output = 0;
    for (const m of models) {
      cached += numberOr0(m.cacheReadInputTokens);
      input +=
        numberOr0(m.inputTokens) +
        numberOr0(m.cacheReadInputTokens) +
        numberOr0(m.cacheCreationInputTokens);
      output += numberOr0(m.outputTokens);
    }
    return tokenCounts(input, cached, output);
  }
  const u = result.usage;
  if (!isObject(u)) return null;
  const cached = numberOr0(u.cache_read_input_tokens);
  return tokenCounts(
    numberOr0(u.input_tokens) + cached + numberOr0(u.cache_creation_input_tokens),
    cached,
    numberOr0(u.output_tokens),
  );
}
