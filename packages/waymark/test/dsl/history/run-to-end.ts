/**
 * Drives runs on a FakeClock to their end, moving time only when every run is parked: then
 * straight to the earliest wake time. Each event therefore happens at the same fake time on
 * every execution, whatever the real machine's speed, which keeps recorded histories exact.
 */
import { isTerminalStatus, type RunRecord } from '../../../src/core/run.ts';
import { settle } from '../../../src/testing/fake-clock.ts';
import type { TestEngine } from '../../../src/testing/test-engine.ts';

/** Real time allowed for the engine to settle between two clock moves (not a timed assertion). */
const SETTLE_LIMIT_MS = 10_000;

export async function runToEnd(t: TestEngine, runId: string, maxClockMoves = 100): Promise<void> {
  for (let moves = 0; moves <= maxClockMoves; moves++) {
    const runs = await untilParked(t);
    const root = runs.find((r) => r.id === runId);
    if (root === undefined) throw new Error(`no run ${runId}`);
    if (isTerminalStatus(root.status)) return;
    const wakeTimes = runs.flatMap((r) =>
      !isTerminalStatus(r.status) && r.wakeAt !== null ? [r.wakeAt] : [],
    );
    if (wakeTimes.length === 0) throw new Error(`stuck: ${describeRuns(runs)}`);
    await t.clock.advanceTo(Math.min(...wakeTimes));
  }
  throw new Error(`run ${runId} did not end within ${maxClockMoves} clock moves`);
}

/** Every run of the store once none is executing or due now. */
async function untilParked(t: TestEngine): Promise<RunRecord[]> {
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  for (;;) {
    const { runs } = await t.store.listRuns({ limit: 1000 });
    const now = t.clock.now();
    const busy = runs.some(
      (r) =>
        r.status === 'running' ||
        (!isTerminalStatus(r.status) &&
          r.status !== 'paused' &&
          r.wakeAt !== null &&
          r.wakeAt <= now),
    );
    if (!busy) return runs;
    if (Date.now() > deadline) throw new Error(`runs never settled: ${describeRuns(runs)}`);
    await settle(2);
  }
}

function describeRuns(runs: readonly RunRecord[]): string {
  return runs.map((r) => `${r.workflowName} ${r.status} wakeAt=${r.wakeAt}`).join(', ');
}
