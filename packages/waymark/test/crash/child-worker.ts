/**
 * Spawns worker-process.ts as a real Node process and keeps track of it, so every test can
 * kill whatever it started (`killAllWorkers` in afterEach) and show its output on failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { WorkerConfig } from './ledger.ts';

const WORKER_SCRIPT = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
// `--import tsx` resolves the package from the working directory.
const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<WorkerProcess>();

export class WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly stdoutLines: string[] = [];
  stderr = '';
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;
  private partial = '';

  constructor(readonly config: WorkerConfig) {
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', WORKER_SCRIPT, JSON.stringify(config)],
      {
        cwd: PACKAGE_DIR,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    if (this.child.pid === undefined) throw new Error(`could not spawn ${config.workerId}`);
    this.pid = this.child.pid;
    live.add(this);
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (this.partial + chunk).split('\n');
      this.partial = lines.pop() ?? '';
      this.stdoutLines.push(...lines);
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    // A child that is gone makes writes to its stdin fail with EPIPE: nothing to do about it.
    this.child.stdin?.on('error', () => {});
    this.exited = new Promise<Exit>((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        resolve(this.exit);
      });
    });
  }

  get workerId(): string {
    return this.config.workerId;
  }

  get hasExited(): boolean {
    return this.exit !== null;
  }

  send(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** Waits for a stdout line starting with `prefix`; fails early if the process exits. */
  async waitForLine(prefix: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.stdoutLines.find((l) => l.startsWith(prefix));
      if (line !== undefined) return line;
      if (this.exit !== null) {
        throw new Error(`${this.workerId} exited (${describeExit(this.exit)}) before "${prefix}"`);
      }
      if (Date.now() > deadline)
        throw new Error(`${this.workerId}: no "${prefix}" in ${timeoutMs} ms`);
      await delay(10);
    }
  }

  /** The parsed `result` line, once the process printed it. */
  async result(timeoutMs: number): Promise<Array<{ id: string; status: string; output: unknown }>> {
    const line = await this.waitForLine('result ', timeoutMs);
    return JSON.parse(line.slice('result '.length)) as Array<{
      id: string;
      status: string;
      output: unknown;
    }>;
  }

  /** Waits for the process to exit on its own. */
  async waitForExit(timeoutMs: number): Promise<Exit> {
    await until(`${this.workerId} to exit`, () => this.exit !== null, timeoutMs, 10);
    return this.exited;
  }

  /** SIGKILL: no exit handler, no flush, no graceful release of the lease. */
  async kill(): Promise<Exit> {
    if (this.exit === null) this.child.kill('SIGKILL');
    return this.exited;
  }

  describe(): string {
    const status = this.exit === null ? 'running' : describeExit(this.exit);
    return (
      `--- ${this.workerId} (pid ${this.pid}, ${this.config.mode}, ${status}) ---\n` +
      `stdout:\n${this.stdoutLines.join('\n')}${this.partial}\nstderr:\n${this.stderr}`
    );
  }
}

export function spawnWorker(config: WorkerConfig): WorkerProcess {
  return new WorkerProcess(config);
}

/** SIGKILLs every worker still alive and waits until each has exited. */
export async function killAllWorkers(): Promise<void> {
  await Promise.all([...live].map((worker) => worker.kill()));
}

export function describeExit(exit: Exit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** Polls `predicate` in real time. */
export async function until(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(intervalMs);
  }
}

/** Runs `body`; if it throws, appends `diagnostics()` (ledger, process output) to the error. */
export async function withDiagnostics(
  diagnostics: () => string | Promise<string>,
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } catch (error) {
    let extra: string;
    try {
      extra = await diagnostics();
    } catch (failure) {
      extra = `(could not collect diagnostics: ${String(failure)})`;
    }
    if (error instanceof Error) {
      error.message += `\n\n${extra}`;
      throw error;
    }
    throw new Error(`${String(error)}\n\n${extra}`, { cause: error });
  }
}
