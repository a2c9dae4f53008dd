/**
 * Runs a child process for an executor (shell, agent CLIs): argv only, never a shell string;
 * stdout and stderr streamed to the logger line by line as they arrive; the whole process
 * group killed on abort (SIGTERM, then SIGKILL after a grace period).
 *
 * The process group outlives the engine's process if that one is killed with SIGKILL — no
 * code runs then to kill it. So the command runs under a watchdog: a tiny `/bin/sh` script,
 * leader of the group, that holds one end of a pipe whose other end only this process holds.
 * The kernel closes that end when this process dies, however it dies; the watchdog reads EOF
 * and kills its whole group. Values never reach the watchdog's script: the command is its
 * `"$@"`, so every argv element arrives as it is.
 *
 * An abort sends the group SIGTERM, and SIGKILL only after the grace period — by a timer of
 * this process, which may exit before then (`waymark run` does, once Ctrl-C handed its run
 * back). So the watchdog and its guard outlive the SIGTERM: a command that ignores it is
 * still killed, by the guard, when this process ends.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { WaymarkError } from '../core/errors.ts';
import type { ExecutorLogger } from './executor.ts';
import { outputLines } from './output-lines.ts';

export interface ProcessOptions {
  env: Readonly<Record<string, string>>;
  cwd?: string;
  /** Written to the process's stdin, which is then closed. Default: /dev/null. */
  stdin?: string;
  signal: AbortSignal;
  /** Each line of stdout and stderr, as it arrives. */
  logger?: ExecutorLogger;
  /** Stdout beyond this fails the run of the process. Default 10 MiB. */
  maxOutputBytes?: number;
  /** How much of stderr is kept for the result. Default 4 KiB. */
  stderrTailBytes?: number;
  /** Between SIGTERM and SIGKILL of an aborted process group. Default 2 s. */
  killGraceMs?: number;
  /** The shell that runs the watchdog. Default `/bin/sh`. */
  watchdogShell?: string;
}

export interface ProcessResult {
  stdout: string;
  /** The exit code, or null when the process was killed by a signal. */
  code: number | null;
  /** The signal that ended the command (`SIGKILL`), or null. */
  signal: NodeJS.Signals | null;
  stderrTail: string;
}

/**
 * The watchdog's script; fd 3 is the pipe from the engine. The guard job blocks reading it and
 * kills the group (`kill 0`) at EOF; when the command ends first, the guard is stopped and the
 * command's status is the watchdog's. The command's stdin is /dev/null, or the text given,
 * passed through `cat`: Node's stdio pipes are sockets, and bash takes a socket on stdin for
 * a remote shell and reads bashrc.
 */
function watchdogScript(withStdin: boolean, unsetPwd: boolean): string {
  return [
    // Caught (not ignored), so the command starts with SIGTERM's default action.
    'interrupted=0',
    "trap 'interrupted=1' TERM",
    // The shell exports a PWD of its own; the command sees only the environment it is given.
    ...(unsetPwd ? ['unset PWD'] : []),
    // A background job's stdin is /dev/null unless redirected: the text is read from fd 4.
    ...(withStdin
      ? ['exec 4<&0', 'cat <&4 3<&- 4<&- | "$@" 3<&- 4<&- &', 'exec 4<&-']
      : ['"$@" </dev/null 3<&- &']),
    'command=$!',
    // The guard ignores SIGTERM, so a cancel's SIGTERM to the group leaves it watching for
    // the engine's end until the group's SIGKILL (or the command's own end).
    "{ trap '' TERM; read -r _ <&3; kill -s KILL 0; } </dev/null >/dev/null 2>&1 &",
    'guard=$!',
    'exec 3<&-',
    // A SIGTERM interrupts `wait` but not the watchdog: it waits on until the command ends.
    'wait "$command"',
    'status=$?',
    'while [ "$interrupted" = 1 ]; do interrupted=0; wait "$command"; status=$?; done',
    'kill -s KILL "$guard" 2>/dev/null',
    'exit "$status"',
  ].join('\n');
}

/** Resolves when the process ended (whatever its exit code); rejects when it could not start or was aborted. */
export function runProcess(argv: readonly string[], o: ProcessOptions): Promise<ProcessResult> {
  const maxOutput = o.maxOutputBytes ?? 10 * 1024 * 1024;
  const tailBytes = o.stderrTailBytes ?? 4096;
  const graceMs = o.killGraceMs ?? 2_000;
  return new Promise((resolve, reject) => {
    if (o.signal.aborted) {
      reject(abortError(o.signal));
      return;
    }
    const file = argv[0];
    if (file === undefined) {
      reject(new WaymarkError('SHELL_SPAWN', 'no command to run'));
      return;
    }
    const script = watchdogScript(o.stdin !== undefined, o.env['PWD'] === undefined);
    const child = spawn(o.watchdogShell ?? '/bin/sh', ['-c', script, 'waymark-watchdog', ...argv], {
      env: o.env,
      ...(o.cwd === undefined ? {} : { cwd: o.cwd }),
      detached: true,
      stdio: [o.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', 'pipe'],
    });
    const { stdin, stdout, stderr } = child;
    if (stdout === null || stderr === null) throw new Error('spawn gave no stdout or stderr');
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = Buffer.alloc(0);
    let failure: Error | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const stdoutLines = o.logger === undefined ? undefined : outputLines(o.logger, 'stdout');
    const stderrLines = o.logger === undefined ? undefined : outputLines(o.logger, 'stderr');
    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const stop = (reason: Error): void => {
      if (failure !== undefined) return;
      failure = reason;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), graceMs);
      killTimer.unref();
    };
    const onAbort = (): void => stop(abortError(o.signal));
    o.signal.addEventListener('abort', onAbort, { once: true });
    if (stdin !== null) {
      stdin.on('error', () => {}); // a command that does not read its stdin
      stdin.end(o.stdin);
    }
    stdout.on('data', (chunk: Buffer) => {
      stdoutLines?.write(chunk);
      outBytes += chunk.length;
      if (outBytes > maxOutput) {
        stop(new WaymarkError('SHELL_OUTPUT', `stdout exceeded ${maxOutput} bytes`));
      } else out.push(chunk);
    });
    stderr.on('data', (chunk: Buffer) => {
      stderrLines?.write(chunk);
      err = Buffer.concat([err, chunk]);
      if (err.length > tailBytes * 2) err = err.subarray(err.length - tailBytes);
    });
    child.on('error', (error) => {
      o.signal.removeEventListener('abort', onAbort);
      reject(
        new WaymarkError('SHELL_SPAWN', `cannot start the watchdog shell: ${error.message}`, {
          cause: error,
        }),
      );
    });
    child.on('close', (exitCode, exitSignal) => {
      o.signal.removeEventListener('abort', onAbort);
      stdoutLines?.end();
      stderrLines?.end();
      if (failure !== undefined) {
        // The group may outlive its leader: make sure nothing of it survives.
        killGroup('SIGKILL');
        if (killTimer !== undefined) clearTimeout(killTimer);
        reject(failure);
        return;
      }
      const tail = err
        .subarray(Math.max(0, err.length - tailBytes))
        .toString('utf8')
        .trim();
      const { code, signal } = commandStatus(exitCode, exitSignal);
      if ((code === 126 || code === 127) && cannotStart(tail)) {
        // The shell's codes: 127 not found, 126 found but not executable.
        const reason = code === 127 ? 'not-found' : 'not-executable';
        reject(
          new WaymarkError('SHELL_SPAWN', `cannot start "${file}": ${tail}`, {
            details: { reason },
          }),
        );
        return;
      }
      resolve({ stdout: Buffer.concat(out).toString('utf8'), code, signal, stderrTail: tail });
    });
  });
}

/**
 * The command's status as the watchdog passed it on: a shell reports a command killed by
 * signal N as exit code 128 + N.
 */
function commandStatus(
  code: number | null,
  signal: NodeJS.Signals | null,
): { code: number | null; signal: NodeJS.Signals | null } {
  if (code === null || code <= 128) return { code, signal };
  const name = Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0];
  return name === undefined ? { code, signal } : { code: null, signal: name as NodeJS.Signals };
}

/** The shell's own message for a command it could not find or execute (exit 127). */
function cannotStart(stderrTail: string): boolean {
  return /waymark-watchdog: .*(not found|No such file|Permission denied|cannot execute)/i.test(
    stderrTail,
  );
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new WaymarkError('ABORTED', 'the step was aborted; its process group was killed', {
    retryable: true,
  });
}
