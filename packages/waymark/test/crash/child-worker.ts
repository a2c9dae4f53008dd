/**
 * Spawns worker-process.ts as a real Node process and keeps track of it, so every test can
 * kill whatever it started (`killAllWorkers` in afterEach) and show its output on failure.
 */
import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { WorkerConfig } from './ledger.ts';
import { TrackedProcess, describeExit, killAllProcesses } from './tracked-process.ts';

export { type Exit, describeExit } from './tracked-process.ts';
export { waitFor } from '../until.ts';

const WORKER_SCRIPT = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
// `--import tsx` resolves the package from the working directory.
const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));

export class WorkerProcess extends TrackedProcess {
  readonly stdoutLines: string[] = [];
  private partial = '';

  constructor(readonly config: WorkerConfig) {
    super(
      spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT, JSON.stringify(config)], {
        cwd: PACKAGE_DIR,
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
      config.workerId,
    );
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (this.partial + chunk).split('\n');
      this.partial = lines.pop() ?? '';
      this.stdoutLines.push(...lines);
    });
    // A child that is gone makes writes to its stdin fail with EPIPE: nothing to do about it.
    this.child.stdin?.on('error', () => {});
  }

  get workerId(): string {
    return this.config.workerId;
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

  describe(): string {
    return (
      `--- ${this.workerId} (pid ${this.pid}, ${this.config.mode}, ${this.status()}) ---\n` +
      `stdout:\n${this.stdoutLines.join('\n')}${this.partial}\nstderr:\n${this.stderr}`
    );
  }
}

export function spawnWorker(config: WorkerConfig): WorkerProcess {
  return new WorkerProcess(config);
}

/** SIGKILLs every process a test started that is still alive, and waits until each exited. */
export const killAllWorkers = killAllProcesses;

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
