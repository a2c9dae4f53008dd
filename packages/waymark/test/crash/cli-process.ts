/**
 * The `waymark` CLI as a real process (bin/waymark.mjs), for the YAML crash tests: started,
 * SIGKILLed, and started again with `--resume`. Every process a test starts is tracked, so
 * `killAllCliProcesses` in afterEach leaves none behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Exit, describeExit, until } from './child-worker.ts';

const BIN = fileURLToPath(new URL('../../bin/waymark.mjs', import.meta.url));

const live = new Set<CliProcess>();

export class CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;

  constructor(
    readonly label: string,
    readonly args: readonly string[],
    cwd: string,
  ) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      // No colors, no debug output: the output is parsed. Shell steps inherit LEDGER_CLI.
      env: { ...process.env, NO_COLOR: '1', WAYMARK_DEBUG: '', LEDGER_CLI: label },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.child.pid === undefined) throw new Error(`could not spawn ${label}`);
    this.pid = this.child.pid;
    live.add(this);
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise<Exit>((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        resolve(this.exit);
      });
    });
  }

  /** The id in the `Run <id> of <workflow>` line a new run prints first. */
  async runId(timeoutMs: number): Promise<string> {
    let id: string | undefined;
    await until(
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

  async waitForExit(timeoutMs: number): Promise<Exit> {
    await until(`${this.label} to exit`, () => this.exit !== null, timeoutMs, 10);
    return this.exited;
  }

  /** SIGKILL: no exit handler, no graceful hand-back of the run. */
  async kill(): Promise<Exit> {
    if (this.exit === null) this.child.kill('SIGKILL');
    return this.exited;
  }

  describe(): string {
    const status = this.exit === null ? 'running' : describeExit(this.exit);
    return `--- ${this.label} (pid ${this.pid}, ${status}): waymark ${this.args.join(' ')}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`;
  }
}

export function startCli(label: string, cwd: string, ...args: string[]): CliProcess {
  return new CliProcess(label, args, cwd);
}

export async function killAllCliProcesses(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill()));
}
