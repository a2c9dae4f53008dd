/**
 * Runs one agent CLI: an argv array (never a shell) in a process group of its own, the prompt
 * written to stdin when the CLI reads it there, stdout and stderr handed over line by line as
 * they arrive. When the step aborts (timeout, cancel) the whole group gets SIGTERM, then
 * SIGKILL after a grace period; when the CLI exits, whatever it left running in its group is
 * killed too, so an agent never leaves processes behind.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { WaymarkError } from '../../core/errors.ts';
import { agentError } from './agent-result.ts';

export interface AgentProcessOptions {
  /** The provider, for messages (`claude-code`). */
  provider: string;
  file: string;
  args: readonly string[];
  /** Written to stdin, which is then closed; without it stdin is not a pipe at all. */
  stdin: string | undefined;
  cwd: string;
  env: Record<string, string>;
  signal: AbortSignal;
  killGraceMs: number;
  maxOutputBytes: number;
  stderrTailBytes: number;
  onStdoutLine(line: string): void;
  onStderrLine(line: string): void;
}

export interface AgentProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string;
}

/** Linux refuses a single argv element longer than this (MAX_ARG_STRLEN). */
const MAX_ARG_BYTES = 128 * 1024;

export function runAgentProcess(o: AgentProcessOptions): Promise<AgentProcessExit> {
  const tooLong = o.args.find((a) => Buffer.byteLength(a) >= MAX_ARG_BYTES);
  if (tooLong !== undefined) {
    const flag = tooLong.startsWith('--')
      ? tooLong.slice(0, tooLong.indexOf('=') + 1 || 20)
      : 'an argument';
    return Promise.reject(
      agentError(
        'AGENT_CONFIG',
        `${o.provider}: ${flag} is ${Buffer.byteLength(tooLong)} bytes, over the ${MAX_ARG_BYTES}-byte limit of one command-line argument; shorten the prompt, role, profile or skills`,
      ),
    );
  }
  if (o.signal.aborted) return Promise.reject(abortReason(o.signal));
  return new Promise((resolve, reject) => {
    const child = spawn(o.file, [...o.args], {
      cwd: o.cwd,
      env: o.env,
      detached: true,
      stdio: [o.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    // Both are pipes (stdio above); only stdin's type depends on the condition.
    const stdout = child.stdout as Readable;
    const stderrStream = child.stderr as Readable;
    let failure: Error | undefined;
    let outBytes = 0;
    let stderr = '';
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const timers: NodeJS.Timeout[] = [];
    const later = (ms: number, fn: () => void): void => {
      const t = setTimeout(fn, ms);
      t.unref();
      timers.push(t);
    };
    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // the group is gone already
      }
    };
    const stop = (reason: Error): void => {
      if (failure !== undefined) return;
      failure = reason;
      killGroup('SIGTERM');
      later(o.killGraceMs, () => killGroup('SIGKILL'));
    };
    const onAbort = (): void => stop(abortReason(o.signal));
    o.signal.addEventListener('abort', onAbort, { once: true });

    const stdoutLines = lineSplitter(o.onStdoutLine);
    const stderrLines = lineSplitter((line) => {
      stderr = (stderr + line + '\n').slice(-o.stderrTailBytes);
      o.onStderrLine(line);
    });
    stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > o.maxOutputBytes) {
        stop(
          agentError('AGENT_OUTPUT', `${o.provider} printed more than ${o.maxOutputBytes} bytes`),
        );
      } else if (failure === undefined) stdoutLines.push(chunk);
    });
    stderrStream.on('data', (chunk: Buffer) => stderrLines.push(chunk));
    if (o.stdin !== undefined && child.stdin !== null) {
      // A CLI that exits without reading its stdin makes the write fail with EPIPE: its exit
      // code says what happened, so the write error is not the news.
      child.stdin.on('error', () => {});
      child.stdin.end(o.stdin);
    }

    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      o.signal.removeEventListener('abort', onAbort);
      for (const t of timers) clearTimeout(t);
      return true;
    };
    const finish = (): void => {
      if (!settle()) return;
      stdout.destroy();
      stderrStream.destroy();
      if (failure !== undefined) {
        reject(failure);
        return;
      }
      stdoutLines.end();
      stderrLines.end();
      resolve({
        code: exited?.code ?? null,
        signal: exited?.signal ?? null,
        stderrTail: stderr.trim(),
      });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (settle()) reject(spawnError(o.provider, o.file, o.cwd, error));
    });
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      // Whatever the agent started and left behind dies with it.
      killGroup('SIGKILL');
      // A process that escaped the group may still hold the pipes open: do not wait forever.
      later(o.killGraceMs, finish);
    });
    child.on('close', finish);
  });
}

/** Calls `onLine` for each complete line of a byte stream (UTF-8 split across chunks is fine). */
function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let ended = false;
  const emit = (text: string): void => {
    pending += text;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      onLine(pending.slice(0, newline).replace(/\r$/, ''));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  };
  return {
    push: (chunk) => emit(decoder.write(chunk)),
    end: () => {
      if (ended) return;
      ended = true;
      emit(decoder.end());
      if (pending !== '') onLine(pending);
      pending = '';
    },
  };
}

function spawnError(
  provider: string,
  file: string,
  cwd: string,
  error: NodeJS.ErrnoException,
): WaymarkError {
  const why =
    error.code === 'ENOENT'
      ? `"${file}" was not found (is it installed and on PATH? or is the directory ${cwd} missing?)`
      : error.code === 'EACCES'
        ? `"${file}" is not executable`
        : error.message;
  return agentError('AGENT_SPAWN', `cannot start ${provider}: ${why}`);
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new WaymarkError('ABORTED', 'the agent step was aborted; its process group was killed', {
    retryable: true,
  });
}
