import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../../src/cli/cli-io.ts';
import { runCli } from '../../src/cli/main.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A scratch directory inside the repo (`.vitest-tmp/`, git-ignored), so fixture modules import
 * `waymark` and `zod` by their package names exactly as a user's workflow would.
 */
export function makeScratchDir(): { dir: string; db: string; cleanup(): void } {
  const dir = join(
    REPO_ROOT,
    '.vitest-tmp',
    `cli-${process.pid}-${Math.random().toString(36).slice(2, 10)}`,
  );
  mkdirSync(dir, { recursive: true });
  return {
    dir,
    db: join(dir, 'test.db'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function writeFixture(dir: string, name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

/** In-process CLI with captured output; `interrupt()` plays the role of Ctrl-C. */
export class CliHarness {
  private readonly handlers = new Set<(signal: string) => void>();
  stdout = '';
  stderr = '';

  constructor(
    readonly cwd: string,
    readonly env: Record<string, string | undefined> = {},
    readonly isTty = false,
  ) {}

  get io(): CliIo {
    return {
      stdout: (text) => void (this.stdout += text),
      stderr: (text) => void (this.stderr += text),
      env: this.env,
      cwd: this.cwd,
      isTty: this.isTty,
      onInterrupt: (handler) => {
        this.handlers.add(handler);
        return () => this.handlers.delete(handler);
      },
    };
  }

  interrupt(signal = 'SIGINT'): void {
    for (const handler of this.handlers) handler(signal);
  }

  async run(...argv: string[]): Promise<CliResult> {
    this.stdout = '';
    this.stderr = '';
    const code = await runCli(argv, this.io);
    return { code, stdout: this.stdout, stderr: this.stderr };
  }
}

/** Runs the CLI once in `cwd` and returns its exit code and output. */
export function cli(cwd: string, ...argv: string[]): Promise<CliResult> {
  return new CliHarness(cwd).run(...argv);
}

/** The run id a `waymark run` printed in its first line, or in its --json object. */
export function runIdOf(stdout: string): string {
  const match = /([0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12})/.exec(stdout);
  if (match === null) throw new Error(`no run id in:\n${stdout}`);
  return match[1] as string;
}
