/**
 * A child process a test started: its stderr, its exit, SIGKILL, and a registry of the ones
 * still alive so afterEach can kill whatever a test left behind (`killAllProcesses`).
 */
import type { ChildProcess } from 'node:child_process';
import { waitFor } from '../until.ts';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<TrackedProcess>();

export class TrackedProcess {
  readonly pid: number;
  stderr = '';
  readonly exited: Promise<Exit>;
  protected exit: Exit | null = null;
  /** Its stdio ended too ('exit' may come before the last output was read). */
  readonly #closed: Promise<void>;

  constructor(
    readonly child: ChildProcess,
    /** How failures name it. */
    readonly name: string,
  ) {
    if (child.pid === undefined) throw new Error(`could not spawn ${name}`);
    this.pid = child.pid;
    live.add(this);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.#closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    this.exited = new Promise<Exit>((resolve) => {
      child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        resolve(this.exit);
      });
    });
  }

  get hasExited(): boolean {
    return this.exit !== null;
  }

  /**
   * Waits for the process to exit on its own, then for its output to be read to the end (for
   * at most 5 s more: a grandchild that inherited its stdio may hold it open).
   */
  async waitForExit(timeoutMs: number): Promise<Exit> {
    await waitFor(`${this.name} to exit`, () => this.exit !== null, timeoutMs, 10);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#closed, new Promise((r) => (timer = setTimeout(r, 5_000)))]);
    clearTimeout(timer);
    return this.exited;
  }

  /** SIGKILL: no exit handler, no flush, no graceful hand-back of the run. */
  async kill(): Promise<Exit> {
    if (this.exit === null) this.child.kill('SIGKILL');
    return this.exited;
  }

  protected status(): string {
    return this.exit === null ? 'running' : describeExit(this.exit);
  }
}

/** SIGKILLs every process a test started that is still alive, and waits until each exited. */
export async function killAllProcesses(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill()));
}

export function describeExit(exit: Exit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code}`;
}
