/**
 * What one coding-agent CLI adapter provides: how a brief becomes its argv (and stdin), and a
 * parser of its streamed output. The process handling, errors and live log are shared
 * (agent-executor.ts).
 */
import type { AgentProcessExit } from './agent-process.ts';
import type { AgentResult } from './agent-result.ts';
import type { AgentBrief } from './prompt-files.ts';

export interface AgentInvocation {
  args: string[];
  /** The prompt, for CLIs that read it from stdin; stdin is closed otherwise. */
  stdin?: string;
  /** Added to the environment unless it sets them already. */
  envDefaults?: Record<string, string>;
}

/** How the CLI's output ended, once it exited. */
export type AgentOutcome =
  | { kind: 'done'; result: AgentResult }
  /** The CLI reported a failure (an error result, a failed turn, an error object). */
  | { kind: 'failed'; message: string }
  /** The output stopped before the final record. */
  | { kind: 'incomplete'; message: string };

export interface AgentStreamParser {
  /** One JSON object of the stream; returns the lines to show live (maybe none). */
  event(event: Record<string, unknown>): string[];
  /** Lines still held back (a partial message), shown when the stream ends. */
  flush?(): string[];
  end(exit: AgentProcessExit): AgentOutcome;
}

export interface AgentProvider {
  /** The provider name in YAML (`provider: claude-code`). */
  name: string;
  /** What the doctor prints. */
  title: string;
  /** The executable looked up on PATH unless configured otherwise. */
  binary: string;
  /** The npm package that installs it. */
  npmPackage: string;
  /** Environment variables that hold its API credentials (masked in its output). */
  credentialEnv: readonly string[];
  /** `--help` of these arguments must mention every flag the adapter relies on. */
  help: { args: readonly string[]; mentions: readonly string[] };
  /**
   * Settings this CLI has no flag for, each with what the CLI has instead. Given on the stage,
   * they are refused (at load time when literal); inherited from a role, profile or skill file
   * (which several providers may share), they are left out with a warning in the step's log.
   */
  lacks: Partial<Record<'max_turns' | 'allowed_tools', string>>;
  /** The brief's settings are those the CLI has (see `lacks`). */
  invocation(brief: AgentBrief): AgentInvocation;
  parser(): AgentStreamParser;
}

/** The prompt with the instructions in front, for CLIs without a system-prompt flag. */
export function promptWithInstructions(brief: AgentBrief): string {
  if (brief.instructions === '') return brief.prompt;
  return `${brief.instructions}\n\n# Task\n\n${brief.prompt}`;
}

/** One line of a live log, at most `max` characters. */
export function clip(text: string, max = 300): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/** An agent's text as live lines: one per line of it, blank ones left out. */
export function textLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
}

/** How a tool call is shown live: its name and arguments, clipped. */
export function toolLine(name: string, input: unknown): string {
  const args =
    input === undefined ? '' : ` ${typeof input === 'string' ? input : JSON.stringify(input)}`;
  return clip(`→ ${name}${args}`);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function numberOr0(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
