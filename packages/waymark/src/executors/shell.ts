/**
 * `uses: shell`: a command as an argv array (no shell), or a `script` run by
 * `bash -euo pipefail`. Templated values never become shell text: `command` elements are
 * single argv entries, and a script is literal (checked at load time) and reads values from
 * `env`. Output lines stream into the run's history as they arrive; the process runs in its
 * own process group, killed as a whole when the step aborts (run-process.ts).
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { WaymarkError } from '../core/errors.ts';
import { defineExecutor, type Executor } from './executor.ts';
import { runProcess } from './run-process.ts';

export interface ShellExecutorOptions {
  /** The environment commands start from (the CLI passes `process.env`). Default: empty. */
  baseEnv?: Readonly<Record<string, string | undefined>>;
  /** Working directory when a step gives no `cwd`, and what a relative one resolves against. Default: the process's. */
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
    stdin: z.string().optional(),
    output: z.enum(['text', 'json', 'lines']).default('text'),
  })
  .strict()
  .refine((a) => (a.command === undefined) !== (a.script === undefined), {
    message: 'give exactly one of "command" (an argv array) or "script"',
  });

export type ShellArgs = z.output<typeof shellArgs>;

export function createShellExecutor(options: ShellExecutorOptions = {}): Executor {
  return defineExecutor<ShellArgs>({
    name: 'shell',
    withSchema: shellArgs,
    literalArgs: ['script'],
    literalHint: 'pass values through "env" and read them as "$NAME" in the script',
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
      const cwd =
        args.cwd === undefined ? options.cwd : resolve(options.cwd ?? process.cwd(), args.cwd);
      const { stdout, code, signal, stderrTail } = await runProcess(argv, {
        env,
        ...(cwd === undefined ? {} : { cwd }),
        ...(args.stdin === undefined ? {} : { stdin: args.stdin }),
        signal: ctx.signal,
        logger: ctx.logger,
        ...(options.maxOutputBytes === undefined ? {} : { maxOutputBytes: options.maxOutputBytes }),
        ...(options.stderrTailBytes === undefined
          ? {}
          : { stderrTailBytes: options.stderrTailBytes }),
        ...(options.killGraceMs === undefined ? {} : { killGraceMs: options.killGraceMs }),
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
