/**
 * `waymark agents doctor`: which agent CLIs are installed, their versions, and whether they
 * look usable — they start, print a version, and their `--help` mentions every flag the
 * adapter passes (an old version, or another program of the same name, does not).
 */
import { runAgentProcess } from './agent-process.ts';
import type { AgentProvider } from './agent-provider.ts';

export interface AgentCliStatus {
  provider: string;
  title: string;
  /** The executable tried (a name looked up on PATH, or a configured path). */
  binary: string;
  installed: boolean;
  version: string | null;
  usable: boolean;
  /** Why it is not usable. */
  problems: string[];
  /** The credential variables that are set; none may still work with a saved login. */
  credentials: string[];
}

export interface AgentDoctorOptions {
  providers: readonly AgentProvider[];
  /** The environment the CLIs run with (PATH finds them). */
  env: Readonly<Record<string, string | undefined>>;
  binaries?: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Per command. Default 20 s (a CLI's first start may unpack itself). */
  timeoutMs?: number;
}

export async function checkAgentClis(options: AgentDoctorOptions): Promise<AgentCliStatus[]> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v;
  return Promise.all(options.providers.map((p) => checkOne(p, env, options)));
}

async function checkOne(
  provider: AgentProvider,
  env: Record<string, string>,
  options: AgentDoctorOptions,
): Promise<AgentCliStatus> {
  const binary = options.binaries?.[provider.name] ?? provider.binary;
  const status: AgentCliStatus = {
    provider: provider.name,
    title: provider.title,
    binary,
    installed: false,
    version: null,
    usable: false,
    problems: [],
    credentials: provider.credentialEnv.filter((name) => (env[name] ?? '') !== ''),
  };
  const run = (args: readonly string[]) => capture(provider.name, binary, args, env, options);
  const version = await run(['--version']);
  if (version.kind === 'missing') {
    status.problems.push(`not installed: no "${binary}" (npm install -g ${provider.npmPackage})`);
    return status;
  }
  status.installed = true;
  if (version.kind === 'failed') {
    status.problems.push(`"${binary} --version" ${version.why}`);
    return status;
  }
  status.version = /\d+\.\d+\.\d+[\w.+-]*/.exec(version.output)?.[0] ?? null;
  if (status.version === null) {
    status.problems.push(
      `"${binary} --version" printed no version: ${version.output.trim().slice(0, 80)}`,
    );
  }
  const help = await run(provider.help.args);
  if (help.kind !== 'ok') {
    status.problems.push(
      `"${binary} ${provider.help.args.join(' ')}" ${help.kind === 'failed' ? help.why : 'failed'}`,
    );
  } else {
    const missing = provider.help.mentions.filter((flag) => !help.output.includes(flag));
    if (missing.length > 0) {
      status.problems.push(
        `its help does not mention ${missing.join(', ')}: not ${provider.title} as the adapter knows it (an old version, or another program named ${binary})`,
      );
    }
  }
  status.usable = status.problems.length === 0;
  return status;
}

type Captured =
  { kind: 'ok'; output: string } | { kind: 'missing' } | { kind: 'failed'; why: string };

async function capture(
  provider: string,
  binary: string,
  args: readonly string[],
  env: Record<string, string>,
  options: AgentDoctorOptions,
): Promise<Captured> {
  try {
    const exit = await runAgentProcess({
      provider,
      file: binary,
      args,
      stdin: undefined,
      cwd: options.cwd,
      env,
      signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
      killGraceMs: 1_000,
      maxOutputBytes: 1024 * 1024,
      stderrTailBytes: 2048,
      onStdoutLine: () => {},
      onStderrLine: () => {},
    });
    if (exit.code === 0) return { kind: 'ok', output: exit.stdout };
    const tail = exit.stderrTail.split('\n').pop() ?? '';
    return {
      kind: 'failed',
      why: `exited with code ${String(exit.code)}${tail === '' ? '' : `: ${tail}`}`,
    };
  } catch (error) {
    if (
      (error as { code?: unknown }).code === 'AGENT_SPAWN' &&
      /not found/.test((error as Error).message)
    ) {
      return { kind: 'missing' };
    }
    const timedOut = (error as Error).name === 'TimeoutError';
    return { kind: 'failed', why: timedOut ? 'did not answer in time' : (error as Error).message };
  }
}
