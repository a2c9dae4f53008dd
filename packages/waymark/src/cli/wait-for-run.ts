import type { RunRecord } from '../core/run.ts';
import type { Engine } from '../runtime/engine.ts';
import type { CliIo } from './cli-io.ts';

type WaitOutcome = { type: 'ended'; run: RunRecord } | { type: 'interrupted'; signal: string };

/** Waits until the run ends or the user interrupts (Ctrl-C, SIGTERM), whichever comes first. */
export async function waitForRun(engine: Engine, runId: string, io: CliIo): Promise<WaitOutcome> {
  let unsubscribe: (() => void) | undefined;
  try {
    const ended = engine.waitForEnd(runId).then((run): WaitOutcome => ({ type: 'ended', run }));
    // Once interrupted, the engine stops and the store closes under this pending wait.
    ended.catch(() => {});
    const interrupted = new Promise<WaitOutcome>((resolve) => {
      unsubscribe = io.onInterrupt?.((signal) => resolve({ type: 'interrupted', signal }));
    });
    return await Promise.race([ended, interrupted]);
  } finally {
    unsubscribe?.();
  }
}
