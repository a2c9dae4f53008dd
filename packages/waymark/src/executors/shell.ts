/**
 * `uses: shell`: a command as an argv array (no shell), or a `script` run by
 * `bash -euo pipefail`. Templated values never become shell text: `command` elements are
 * single argv entries, and a script is literal (checked at load time) and reads values from
 * `env`. The process runs in its own process group, killed as a whole when the step aborts.
 */
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { WaymarkError } from '../core/errors.ts';
import { defineExecutor, type Executor } from './executor.ts';

export interface ShellExecutorOptions {
  /** The environment commands start from (the CLI passes `process.env`). Default: empty. */
  baseEnv?: Readonly<Record<string, string | undefined>>;
  /** Working directory when a step gives no `cwd`. Default: the process's. */
  cwd?: string;
  /** The bash used for `script`. Default `bash` (found on PATH of the environment). */
  bash?: string;
  /** Stdout beyond this fails the step. Default 10 MiB. */
  maxOutputBytes?: number;
  /** How much of stderr a failure quotes. Default 4 KiB. */
  stderrTailBytes?: number;
  /** Between SIGTERM and SIGKILL of an aborted process group. Default 2 s. */
  killGraceMs?: number;
}

const envValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const shellArgs = z
  .object({
    command: z.array(envValue).min(1).optional(),
    script: z.string().min(1).optional(),
    env: z.record(z.string(), envValue).optional(),
    cwd: z.string().optional(),
    output: z.enum(['text', 'json', 'lines']).default('text'),
  })
  .strict()
  .refine((a) => (a.command === undefined) !== (a.script === undefined), {
    message: 'give exactly one of "command" (an argv array) or "script"',
  });

export type ShellArgs = z.output<typeof shellArgs>;

export function createShellExecutor(options: ShellExecutorOptions = {}): Executor {
  const maxOutput = options.maxOutputBytes ?? 10 * 1024 * 1024;
  const tailBytes = options.stderrTailBytes ?? 4096;
  const graceMs = options.killGraceMs ?? 2_000;
  return defineExecutor<ShellArgs>({
    name: 'shell',
    withSchema: shellArgs,
    literalArgs: ['script'],
    wordArgs: ['command'],
    run: async (args, ctx) => {
      const argv = args.command ?? [
        options.bash ?? 'bash',
        '-euo',
        'pipefail',
        '-c',
        args.script ?? '',
      ];
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(options.baseEnv ?? {})) if (v !== undefined) env[k] = v;
      Object.assign(env, ctx.env, args.env);
      const cwd = args.cwd ?? options.cwd;
      const { stdout, code, signal, stderrTail } = await runProcess(argv, {
        env,
        ...(cwd === undefined ? {} : { cwd }),
        abort: ctx.signal,
        maxOutput,
        tailBytes,
        graceMs,
      });
      if (code !== 0) {
        const what = args.command ? `command "${argv[0]}"` : 'script';
        const how = signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
        throw new WaymarkError(
          'SHELL_EXIT',
          `${what} ${how}${stderrTail === '' ? '' : `: ${stderrTail}`}`,
          { retryable: true, details: { exitCode: code, signal, stderrTail } },
        );
      }
      return { output: parseOutput(stdout, args.output) };
    },
  });
}

function parseOutput(stdout: string, mode: 'text' | 'json' | 'lines'): unknown {
  if (mode === 'lines') return stdout.split('\n').filter((line) => line !== '');
  if (mode === 'text') return stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout;
  try {
    return JSON.parse(stdout) as unknown;
  } catch (error) {
    throw new WaymarkError('SHELL_OUTPUT', 'output: json, but stdout is not JSON', {
      cause: error,
      details: { stdoutHead: stdout.slice(0, 200) },
    });
  }
}

interface ProcessOptions {
  env: Record<string, string>;
  cwd?: string;
  abort: AbortSignal;
  maxOutput: number;
  tailBytes: number;
  graceMs: number;
}

interface ProcessResult {
  stdout: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string;
}

function runProcess(argv: string[], o: ProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    if (o.abort.aborted) {
      reject(abortError(o.abort));
      return;
    }
    const [file, ...rest] = argv as [string, ...string[]];
    const child = spawn(file, rest, {
      env: o.env,
      ...(o.cwd === undefined ? {} : { cwd: o.cwd }),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = Buffer.alloc(0);
    let failure: Error | undefined;
    let killTimer: NodeJS.Timeout | undefined;
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
      killTimer = setTimeout(() => killGroup('SIGKILL'), o.graceMs);
      killTimer.unref();
    };
    const onAbort = (): void => stop(abortError(o.abort));
    o.abort.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > o.maxOutput) {
        stop(new WaymarkError('SHELL_OUTPUT', `stdout exceeded ${o.maxOutput} bytes`));
      } else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = Buffer.concat([err, chunk]);
      if (err.length > o.tailBytes * 2) err = err.subarray(err.length - o.tailBytes);
    });
    child.on('error', (error) => {
      o.abort.removeEventListener('abort', onAbort);
      reject(
        new WaymarkError('SHELL_SPAWN', `cannot start "${file}": ${error.message}`, {
          cause: error,
        }),
      );
    });
    child.on('close', (code, signal) => {
      o.abort.removeEventListener('abort', onAbort);
      if (failure !== undefined) {
        // The group may outlive its leader: make sure nothing of it survives.
        killGroup('SIGKILL');
        if (killTimer !== undefined) clearTimeout(killTimer);
        reject(failure);
        return;
      }
      const tail = err
        .subarray(Math.max(0, err.length - o.tailBytes))
        .toString('utf8')
        .trim();
      resolve({ stdout: Buffer.concat(out).toString('utf8'), code, signal, stderrTail: tail });
    });
  });
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new WaymarkError('ABORTED', 'the step was aborted; its process group was killed', {
    retryable: true,
  });
}
