/**
 * Runs one agent CLI through the executors' process runner (`run-process.ts`: argv only, never
 * a shell; its own process group, killed on abort — SIGTERM, then SIGKILL — and by a watchdog
 * if the engine's process dies), with the prompt on stdin when the CLI reads it there. Lines of
 * stdout and stderr are handed over as they arrive; the whole stdout comes back at the end.
 */
import type { WaymarkError } from '../../core/errors.ts';
import type { ExecutorLogger } from '../executor.ts';
import { runProcess } from '../run-process.ts';
import { agentError } from './agent-result.ts';

export interface AgentProcessOptions {
  /** The provider, for messages (`claude-code`). */
  provider: string;
  file: string;
  args: readonly string[];
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  stdin: string | undefined;
  cwd: string;
  env: Record<string, string>;
  signal: AbortSignal;
  killGraceMs: number;
  maxOutputBytes: number;
  stderrTailBytes: number;
  /**
   * Each line as it arrives, for showing live. A line longer than 64 KiB may come in pieces:
   * the whole stdout, returned at the end, is what counts.
   */
  onStdoutLine(line: string): void;
  onStderrLine(line: string): void;
}

export interface AgentProcessExit {
  stdout: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string;
}

/** Linux refuses a single argv element longer than this (MAX_ARG_STRLEN). */
const MAX_ARG_BYTES = 128 * 1024;

export async function runAgentProcess(o: AgentProcessOptions): Promise<AgentProcessExit> {
  const tooLong = o.args.find((a) => Buffer.byteLength(a) >= MAX_ARG_BYTES);
  if (tooLong !== undefined) {
    const flag = /^--[\w-]+=/.exec(tooLong)?.[0] ?? 'an argument';
    throw agentError(
      'AGENT_CONFIG',
      `${o.provider}: ${flag} is ${Buffer.byteLength(tooLong)} bytes, over the ${MAX_ARG_BYTES}-byte limit of one command-line argument; shorten the prompt, role, profile or skills`,
    );
  }
  const lines: ExecutorLogger = {
    line: (stream, text) => (stream === 'stdout' ? o.onStdoutLine(text) : o.onStderrLine(text)),
    info: () => {},
    warn: () => {},
    error: () => {},
  };
  try {
    return await runProcess([o.file, ...o.args], {
      env: o.env,
      cwd: o.cwd,
      ...(o.stdin === undefined ? {} : { stdin: o.stdin }),
      signal: o.signal,
      logger: lines,
      maxOutputBytes: o.maxOutputBytes,
      stderrTailBytes: o.stderrTailBytes,
      killGraceMs: o.killGraceMs,
    });
  } catch (error) {
    const code = (error as Partial<WaymarkError>).code;
    if (code === 'SHELL_SPAWN') {
      const reason = (error as WaymarkError).details?.['reason'];
      const why =
        reason === 'not-found'
          ? `"${o.file}" was not found (is it installed, and on PATH?)`
          : reason === 'not-executable'
            ? `"${o.file}" is not executable`
            : (error as Error).message;
      throw agentError('AGENT_SPAWN', `cannot start ${o.provider}: ${why}`);
    }
    if (code === 'SHELL_OUTPUT') {
      throw agentError('AGENT_OUTPUT', `${o.provider} printed more than ${o.maxOutputBytes} bytes`);
    }
    throw error;
  }
}
