/**
 * Gemini CLI: `gemini --output-format=stream-json --skip-trust … --prompt=<prompt>`. Gemini
 * appends piped stdin to the prompt, so stdin is closed and the prompt is one argument. It has
 * no system-prompt flag (role, profile and skills go in front of the prompt) and no max-turns
 * flag (a settings file only; see `lacks`). `--skip-trust` keeps a headless run from
 * exiting 55 in a folder it was never told to trust.
 *
 * Stream: `init`, `message` (assistant text arrives in deltas), `tool_use`, `tool_result`,
 * `error` (a warning, not fatal), last `result` with `status` and `stats`. A failure before
 * the stream started is a JSON object with `error` on stderr, with a non-zero exit code.
 */
import type { AgentProcessExit } from './agent-process.ts';
import type { AgentPermissions } from './agent-args.ts';
import {
  type AgentOutcome,
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
import { tokenCounts } from './agent-result.ts';

const APPROVAL_MODE: Record<AgentPermissions, string> = {
  // Headless Gemini leaves out every tool that would need an approval in default mode.
  'read-only': 'default',
  edit: 'auto_edit',
  full: 'yolo',
};

export const gemini: AgentProvider = {
  name: 'gemini',
  title: 'Gemini CLI',
  binary: 'gemini',
  npmPackage: '@google/gemini-cli',
  credentialEnv: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
  help: {
    args: ['--help'],
    mentions: ['--output-format', '--prompt', '--approval-mode', '--skip-trust'],
  },
  lacks: {
    max_turns: 'max-turns flag (maxSessionTurns in its settings file; a timeout bounds a run)',
  },
  invocation(brief) {
    const { model, allowed_tools: tools, permissions } = brief.settings;
    const args = ['--output-format=stream-json', '--skip-trust'];
    if (model !== undefined) args.push(`--model=${model}`);
    if (permissions !== undefined) args.push(`--approval-mode=${APPROVAL_MODE[permissions]}`);
    if (tools !== undefined && tools.length > 0) args.push(`--allowed-tools=${tools.join(',')}`);
    args.push(`--prompt=${promptWithInstructions(brief)}`);
    return { args };
  },
  parser: createGeminiParser,
};

function createGeminiParser(): AgentStreamParser {
  let sessionId: string | null = null;
  let text = '';
  /** Assistant text not shown yet: deltas are shown a whole line at a time. */
  let pending = '';
  let result: Record<string, unknown> | undefined;
  const flushLines = (all: boolean): string[] => {
    const cut = all ? pending.length : pending.lastIndexOf('\n') + 1;
    const shown = pending.slice(0, cut);
    pending = pending.slice(cut);
    return textLines(shown);
  };
  return {
    event(event) {
      switch (event.type) {
        case 'init':
          sessionId = stringOrNull(event.session_id);
          return [
            `session ${sessionId ?? '?'}${typeof event.model === 'string' ? ` · ${event.model}` : ''}`,
          ];
        case 'message':
          if (event.role !== 'assistant' || typeof event.content !== 'string') return [];
          text += event.content;
          pending += event.content;
          return flushLines(false);
        case 'tool_use':
          return [...flushLines(true), toolLine(String(event.tool_name ?? '?'), event.parameters)];
        case 'tool_result': {
          const out =
            event.status === 'error' && isObject(event.error) ? event.error.message : event.output;
          return [
            clip(
              `← ${event.status === 'error' ? '(error) ' : ''}${typeof out === 'string' ? out : ''}`,
            ),
          ];
        }
        case 'error':
          return [
            ...flushLines(true),
            clip(`${String(event.severity ?? 'error')}: ${String(event.message ?? '')}`),
          ];
        case 'result':
          result = event;
          return flushLines(true);
        default:
          return [];
      }
    },
    flush: () => flushLines(true),
    end(exit: AgentProcessExit): AgentOutcome {
      if (result === undefined) {
        const early = stderrError(exit.stderrTail);
        return early === undefined
          ? { kind: 'incomplete', message: 'the output ended without its "result" event' }
          : { kind: 'failed', message: early };
      }
      if (result.status !== 'success') {
        const error = isObject(result.error) ? result.error : {};
        return {
          kind: 'failed',
          message: String(error.message ?? `status ${String(result.status)}`),
        };
      }
      const stats = isObject(result.stats) ? result.stats : undefined;
      return {
        kind: 'done',
        result: {
          text,
          session_id: sessionId,
          // `input_tokens` include the cached ones (`cached` + `input`).
          tokens:
            stats === undefined
              ? null
              : tokenCounts(
                  numberOr0(stats.input_tokens),
                  numberOr0(stats.cached),
                  numberOr0(stats.output_tokens),
                ),
          raw: result,
        },
      };
    },
  };
}

/** The `{ "error": { "message" } }` object Gemini prints on stderr when it fails early. */
function stderrError(stderr: string): string | undefined {
  const start = stderr.indexOf('{');
  if (start === -1) return undefined;
  try {
    const parsed: unknown = JSON.parse(stderr.slice(start));
    if (isObject(parsed) && isObject(parsed.error) && typeof parsed.error.message === 'string') {
      const code = parsed.error.code === undefined ? '' : ` (code ${String(parsed.error.code)})`;
      return `${parsed.error.message}${code}`;
    }
  } catch {
    // not the error object
  }
  return undefined;
}
