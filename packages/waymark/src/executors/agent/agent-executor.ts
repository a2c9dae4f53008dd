/**
 * An agent provider as an executor (`uses: claude-code`, or a `provider:` stage): assembles the
 * brief from the stage and its role/profile/skill files, runs the CLI (agent-process.ts),
 * shows its stream live in the step's log, and turns the end of it into
 * `{ text, session_id, tokens, cost_usd?, raw }` or a step error that says what went wrong.
 *
 * Masking: the engine masks the workflow's secrets in the step's log, output and error; the
 * executor also masks the CLIs' API keys found in its environment, so an agent that prints its
 * environment shows `***`. The transcript artifacts (agent-transcript.ts) are masked for both.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Duration } from '../../core/durations.ts';
import { SecretMasker } from '../../core/secret-masker.ts';
import { defineExecutor, type Executor, type ExecutorContext } from '../executor.ts';
import { type AgentArgs, agentArgsSchema } from './agent-args.ts';
import { type AgentProcessExit, runAgentProcess } from './agent-process.ts';
import { type AgentOutcome, type AgentProvider, clip, isObject } from './agent-provider.ts';
import { agentError, type AgentResult } from './agent-result.ts';
import { AgentTranscript } from './agent-transcript.ts';
import { AGENT_CREDENTIAL_ENV } from './providers.ts';
import { prepareBrief } from './prompt-files.ts';

/**
 * The timeout of an agent step (YAML `uses:` step or `provider:` stage) that sets none, nor its
 * workflow's `defaults`: an agent CLI may hang (Codex retries a lost network for as long as it
 * is let), and must not hold a run forever.
 */
export const DEFAULT_AGENT_TIMEOUT: Duration = '30m';

export interface AgentExecutorOptions {
  /** The environment agents start from (the CLI passes `process.env`). Default: empty. */
  baseEnv?: Readonly<Record<string, string | undefined>>;
  /** Executable per provider name, instead of its usual name on PATH. */
  binaries?: Readonly<Record<string, string | undefined>>;
  /**
   * More variables whose values are masked in the agent's output, besides every provider's
   * credential variables (AGENT_CREDENTIAL_ENV), which are always masked.
   */
  credentialEnv?: readonly string[];
  /** Between SIGTERM and SIGKILL of an aborted agent's process group. Default 5 s. */
  killGraceMs?: number;
  /** Stdout beyond this fails the step. Default 64 MiB. */
  maxOutputBytes?: number;
  /** How much of stderr a failure quotes. Default 4 KiB. */
  stderrTailBytes?: number;
}

export function createAgentExecutor(
  provider: AgentProvider,
  options: AgentExecutorOptions = {},
): Executor {
  return defineExecutor<AgentArgs>({
    name: provider.name,
    defaultTimeout: DEFAULT_AGENT_TIMEOUT,
    withSchema: agentArgsSchema.superRefine((args, check) => {
      for (const [key, instead] of lackedSettings(provider)) {
        if (args[key] === undefined) continue;
        check.addIssue({
          code: 'custom',
          path: [key],
          message: `${provider.name} has no ${instead}: remove ${key}`,
        });
      }
    }),
    run: async (args, ctx) => {
      const result = await runAgent(provider, args, ctx, options);
      return { output: result };
    },
  });
}

async function runAgent(
  provider: AgentProvider,
  args: AgentArgs,
  ctx: ExecutorContext,
  options: AgentExecutorOptions,
): Promise<AgentResult> {
  const brief = await prepareBrief(args, ctx.baseDir);
  for (const [key, instead] of lackedSettings(provider)) {
    if (brief.settings[key] === undefined) continue;
    ctx.logger.warn(
      `${provider.name} has no ${instead}: ${key} of the role, profile or skills is left out`,
    );
    delete brief.settings[key];
  }
  const invocation = provider.invocation(brief);
  const cwd = resolve(ctx.baseDir, args.cwd ?? '.');
  if (!(await isDirectory(cwd))) {
    throw agentError('AGENT_CONFIG', `${provider.name}: cwd ${cwd} is not a directory`);
  }
  const env = agentEnv(options.baseEnv ?? {}, invocation.envDefaults ?? {}, ctx.env);
  const masker = new SecretMasker([
    ...Object.values(ctx.secrets),
    ...[...AGENT_CREDENTIAL_ENV, ...(options.credentialEnv ?? [])].flatMap((n) => env[n] ?? []),
  ]);
  const show = (line: string): void => ctx.logger.info(masker.mask(line));
  const maxOutputBytes = options.maxOutputBytes ?? 64 * 1024 * 1024;
  // Written as it comes, so a timeout or cancel keeps what the agent printed until then.
  const transcript = new AgentTranscript(ctx, provider.name, maxOutputBytes);
  // Live: each line as it comes, for the log only (a piece of a very long line is skipped).
  const live = provider.parser();
  let exit: AgentProcessExit;
  try {
    exit = await runAgentProcess({
      provider: provider.name,
      file: options.binaries?.[provider.name] ?? provider.binary,
      args: invocation.args,
      stdin: invocation.stdin,
      cwd,
      env,
      signal: ctx.signal,
      killGraceMs: options.killGraceMs ?? 5_000,
      maxOutputBytes,
      stderrTailBytes: options.stderrTailBytes ?? 4096,
      onStdoutLine: (text) => {
        transcript.stdout(masker.mask(text));
        const event = parseJson(text);
        if (isObject(event)) for (const line of live.event(event)) show(line);
      },
      onStderrLine: (text) => {
        const masked = masker.mask(text);
        transcript.stderr(masked);
        ctx.logger.line('stderr', masked);
      },
    });
    for (const line of live.flush?.() ?? []) show(line);
    transcript.complete(masker.mask(exit.stdout));
  } finally {
    transcript.close();
  }
  const { outcome, malformed } = parseOutput(provider, exit);
  const failure = failureOf(provider.name, outcome, exit, malformed);
  if (failure !== undefined) {
    throw agentError(failure.code, masker.mask(failure.message), {
      exitCode: exit.code,
      signal: exit.signal,
      stderrTail: masker.mask(exit.stderrTail),
      ...(transcript.path === undefined ? {} : { transcript: transcript.path }),
    });
  }
  return masker.maskValue((outcome as Extract<AgentOutcome, { kind: 'done' }>).result);
}

/** The result: the whole output, parsed again (the live parse may have missed pieces). */
function parseOutput(
  provider: AgentProvider,
  exit: AgentProcessExit,
): { outcome: AgentOutcome; malformed: { line: number; text: string } | undefined } {
  const parser = provider.parser();
  let malformed: { line: number; text: string } | undefined;
  const lines = exit.stdout.split('\n');
  for (const [i, text] of lines.entries()) {
    if (text.trim() === '') continue;
    const event = parseJson(text);
    if (!isObject(event)) {
      malformed = { line: i + 1, text };
      break;
    }
    parser.event(event);
  }
  return { outcome: parser.end(exit), malformed };
}

function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

function lackedSettings(provider: AgentProvider): Array<['max_turns' | 'allowed_tools', string]> {
  return Object.entries(provider.lacks) as Array<['max_turns' | 'allowed_tools', string]>;
}

/**
 * Which failure, in order of what says most: the CLI's own error message, then its exit
 * status, then output that is not its format, then output that stopped early.
 */
function failureOf(
  provider: string,
  outcome: AgentOutcome,
  exit: AgentProcessExit,
  malformed: { line: number; text: string } | undefined,
): { code: 'AGENT_FAILED' | 'AGENT_EXIT' | 'AGENT_OUTPUT'; message: string } | undefined {
  const status =
    exit.signal !== null
      ? `was killed by ${exit.signal}`
      : exit.code !== 0
        ? `exited with code ${String(exit.code)}`
        : undefined;
  if (outcome.kind === 'failed') {
    return {
      code: 'AGENT_FAILED',
      message: `${provider} reported an error: ${outcome.message}${status === undefined ? '' : ` (it ${status})`}`,
    };
  }
  if (status !== undefined) {
    const tail = lastLines(exit.stderrTail);
    return {
      code: 'AGENT_EXIT',
      message: `${provider} ${status}${tail === '' ? '' : `: ${tail}`}`,
    };
  }
  if (malformed !== undefined) {
    return {
      code: 'AGENT_OUTPUT',
      message: `${provider} printed something that is not a JSON object at line ${malformed.line} of its output: ${clip(malformed.text, 200)}`,
    };
  }
  if (outcome.kind === 'incomplete') {
    return { code: 'AGENT_OUTPUT', message: `${provider} exited 0 but ${outcome.message}` };
  }
  return undefined;
}

/** The agent's environment: the base, the CLI's quiet-mode defaults unless set, the step's. */
function agentEnv(
  base: Readonly<Record<string, string | undefined>>,
  defaults: Record<string, string>,
  step: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = { ...defaults };
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  return Object.assign(env, step);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function lastLines(text: string, count = 5): string {
  return text.split('\n').slice(-count).join('\n').trim();
}
