/**
 * The `waymark` CLI as a real process (bin/waymark.mjs), for the YAML crash tests: started,
 * SIGKILLed, and started again with `--resume`. Every process a test starts is tracked, so
 * `killAllCliProcesses` in afterEach leaves none behind.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TrackedProcess, killAllProcesses } from './tracked-process.ts';
import { waitFor } from '../until.ts';

const BIN = fileURLToPath(new URL('../../bin/waymark.mjs', import.meta.url));

export class CliProcess extends TrackedProcess {
  stdout = '';

  constructor(
    readonly label: string,
    readonly args: readonly string[],
    cwd: string,
    env: Record<string, string> = {},
  ) {
    super(
      spawn(process.execPath, [BIN, ...args], {
        cwd,
        // No colors, no debug output: the output is parsed. Shell steps inherit LEDGER_CLI.
        env: { ...process.env, NO_COLOR: '1', WAYMARK_DEBUG: '', LEDGER_CLI: label, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
      label,
    );
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
  }

  /** The id in the `Run <id> of <workflow>` line a new run prints first. */
  async runId(timeoutMs: number): Promise<string> {
    let id: string | undefined;
    await waitFor(
      `${this.label} to print its run id`,
      () => {
        if (this.exit !== null) throw new Error(`${this.label} exited: ${this.describe()}`);
        id = /^Run ([0-9a-f-]{36}) of /m.exec(this.stdout)?.[1];
        return id !== undefined;
      },
      timeoutMs,
    );
    return id as string;
  }

  describe(): string {
    return `--- ${this.label} (pid ${this.pid}, ${this.status()}): waymark ${this.args.join(' ')}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`;
  }
}

/**
 * Ctrl-C: SIGINT, then the CLI's exit (it hands the run back after the step in flight had up to
 * its grace period to finish).
 */
export async function interrupt(cli: CliProcess): Promise<void> {
  cli.child.kill('SIGINT');
  await cli.waitForExit(10_000);
}

export function startCli(label: string, cwd: string, ...args: string[]): CliProcess {
  return new CliProcess(label, args, cwd);
}

/** `startCli` with variables added to the CLI's environment (which its steps inherit). */
export function startCliWithEnv(
  label: string,
  cwd: string,
  env: Record<string, string>,
  ...args: string[]
): CliProcess {
  return new CliProcess(label, args, cwd, env);
}

export const killAllCliProcesses = killAllProcesses;
