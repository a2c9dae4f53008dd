/**
 * An agent CLI's raw output, kept as artifacts of its step while it runs: stdout in
 * `<provider>.jsonl`, stderr in `<provider>.stderr.log` (made only when the CLI writes to it).
 * Lines are appended as they arrive, masked, so an agent killed at a timeout or cancel leaves
 * what it had printed until then. A file that cannot be written costs the file, not the step.
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutorContext } from '../executor.ts';

class TranscriptFile {
  private fd: number | undefined;
  private bytes = 0;
  private broken = false;

  constructor(
    /** The artifacts directory, made when first asked for: only for a CLI that prints. */
    private readonly dir: () => string,
    private readonly name: string,
    private readonly maxBytes: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  get path(): string {
    return join(this.dir(), this.name);
  }

  get written(): boolean {
    return this.bytes > 0;
  }

  append(line: string): void {
    if (this.broken || this.bytes > this.maxBytes) return;
    const text = `${line}\n`;
    this.bytes += Buffer.byteLength(text);
    this.attempt(() => {
      this.fd ??= openSync(this.path, 'a');
      writeSync(this.fd, text);
      if (this.bytes > this.maxBytes) {
        writeSync(this.fd, `… (cut at ${this.maxBytes} bytes)\n`);
      }
    });
  }

  replace(text: string): void {
    this.close();
    if (this.broken || text === '') return;
    this.bytes = Buffer.byteLength(text);
    this.attempt(() => writeFileSync(this.path, text));
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    this.attempt(() => closeSync(fd));
  }

  private attempt(write: () => void): void {
    try {
      write();
    } catch (error) {
      this.broken = true;
      this.onError(error);
    }
  }
}

export class AgentTranscript {
  private readonly out: TranscriptFile;
  private readonly err: TranscriptFile;
  private warned = false;

  constructor(ctx: ExecutorContext, provider: string, maxBytes: number) {
    const onError = (error: unknown): void => {
      if (this.warned) return;
      this.warned = true;
      ctx.logger.warn(
        `the transcript artifact could not be written: ${(error as Error)?.message ?? String(error)}`,
      );
    };
    const dir = (): string => ctx.artifactsDir;
    this.out = new TranscriptFile(dir, `${provider}.jsonl`, maxBytes, onError);
    this.err = new TranscriptFile(dir, `${provider}.stderr.log`, maxBytes, onError);
  }

  /** The stdout file, once something was written to it. */
  get path(): string | undefined {
    return this.out.written ? this.out.path : undefined;
  }

  stdout(line: string): void {
    this.out.append(line);
  }

  stderr(line: string): void {
    this.err.append(line);
  }

  /**
   * The CLI ended by itself: its stdout file becomes its whole output, exactly (the stream
   * hands a line over 64 KiB on in pieces).
   */
  complete(stdout: string): void {
    this.out.replace(stdout);
  }

  close(): void {
    this.out.close();
    this.err.close();
  }
}
