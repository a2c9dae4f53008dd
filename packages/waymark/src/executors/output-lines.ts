/**
 * Turns a child process's output chunks into lines for the logger as they arrive. A line
 * longer than `maxPending` characters is passed on in pieces of that size rather than held
 * without bound.
 */
import { StringDecoder } from 'node:string_decoder';
import type { ExecutorLogger } from './executor.ts';

export interface LineStream {
  write(chunk: Buffer): void;
  /** Passes on the last line, if it had no newline. */
  end(): void;
}

export function outputLines(
  logger: ExecutorLogger,
  stream: 'stdout' | 'stderr',
  maxPending = 64 * 1024,
): LineStream {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const take = (text: string): void => {
    pending += text;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      logger.line(stream, pending.slice(0, newline).replace(/\r$/, ''));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
    if (pending.length > maxPending) {
      logger.line(stream, pending);
      pending = '';
    }
  };
  return {
    write: (chunk) => take(decoder.write(chunk)),
    end: () => {
      take(decoder.end());
      if (pending !== '') logger.line(stream, pending);
      pending = '';
    },
  };
}
