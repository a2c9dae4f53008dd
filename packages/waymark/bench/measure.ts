import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, defineWorkflow, type Store, type WorkflowDefinition } from '../src/index.ts';
import { openSqliteStore } from '../src/storage/sqlite/index.ts';
import type { Scenario } from './scenarios.ts';
import { probeCommitMs } from './sqlite-ceiling.ts';
import { MIB, peakRssMiB, percentile } from './stats.ts';
import { type CallStats, traceStore } from './store-trace.ts';

export interface RoundResult {
  scenario: string;
  workflows: number;
  steps: number;
  wallMs: number;
  stepsPerSec: number;
  workflowsPerSec: number;
  /** Start→done latency of one run: from before `engine.start` to its result resolving. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Wall time per step of the whole round. */
  msPerStep: number;
  /** CPU time of the process (user + system) during the round, per step. */
  cpuMsPerStep: number;
  /** Peak RSS of the scenario's process, warm-up included (it is smaller than the round). */
  peakRssMiB: number;
  /** RSS just before the measured round started. */
  baselineRssMiB: number;
  /** Peak V8 heap in use during the round (sampled every 10 ms; garbage included). */
  peakHeapUsedMiB: number;
  /** One durable single-row commit on this disk, probed right after the round. */
  diskMsPerCommit: number;
  /** With `--trace`: store calls per step and their mean time to settle, by method. */
  storeCalls?: Record<string, { perStep: number; meanMs: number }>;
}

/**
 * Measures one scenario in this process: warm-up rounds, each on its own database, then the
 * measured round on a fresh one, then a probe of the disk's commit latency (right after the
 * round, not before it: the probe's own SQLite connection would count in the round's peak
 * RSS). Every round gets a new SQLite file in a temp dir with the store's defaults (WAL,
 * synchronous=FULL) and one in-process engine on the system clock.
 */
export async function measureScenario(
  scenario: Scenario,
  options: { trace: boolean },
): Promise<RoundResult> {
  for (let round = 0; round < scenario.warmupRounds; round++) {
    await runRound(scenario, scenario.warmupWorkflows, false);
  }
  const round = await runRound(scenario, scenario.workflows, options.trace);
  return { ...round, diskMsPerCommit: probeCommitMs() };
}

async function runRound(
  scenario: Scenario,
  workflows: number,
  trace: boolean,
): Promise<Omit<RoundResult, 'diskMsPerCommit'>> {
  const dir = mkdtempSync(join(tmpdir(), 'waymark-bench-'));
  const opened = await openSqliteStore({ path: join(dir, 'bench.db') });
  const traced = trace ? traceStore(opened) : null;
  const store: Store = traced?.store ?? opened;
  const workflow = noopWorkflow(scenario.steps);
  const engine = createEngine({
    store,
    workflows: [workflow],
    worker: { concurrency: scenario.concurrency },
  });
  try {
    const baselineRss = process.memoryUsage.rss() / MIB;
    const memory = sampleMemoryPeaks();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const latencies = scenario.sequential
      ? await runSequentially(workflows, (i) => runOne(i))
      : await Promise.all(Array.from({ length: workflows }, (_, i) => runOne(i)));
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const peaks = memory.stop();
    const totalSteps = workflows * scenario.steps;
    const result: Omit<RoundResult, 'diskMsPerCommit'> = {
      scenario: scenario.name,
      workflows,
      steps: scenario.steps,
      wallMs,
      stepsPerSec: totalSteps / (wallMs / 1000),
      workflowsPerSec: workflows / (wallMs / 1000),
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      maxMs: percentile(latencies, 1),
      msPerStep: wallMs / totalSteps,
      cpuMsPerStep: (cpu.user + cpu.system) / 1000 / totalSteps,
      peakRssMiB: peakRssMiB(peaks.rss),
      baselineRssMiB: baselineRss,
      peakHeapUsedMiB: peaks.heapUsed / MIB,
    };
    if (traced !== null) result.storeCalls = perStep(traced.stats, totalSteps);
    return result;
  } finally {
    await engine.stop();
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  }

  async function runOne(i: number): Promise<number> {
    const start = performance.now();
    const handle = await engine.start(workflow, i);
    const output = await handle.result();
    if (output !== scenario.steps) throw new Error(`run ${handle.id} returned ${String(output)}`);
    return performance.now() - start;
  }
}

function noopWorkflow(steps: number): WorkflowDefinition<unknown, number> {
  return defineWorkflow({ name: `bench-noop-${steps}` }, async (ctx) => {
    for (let i = 0; i < steps; i++) await ctx.step(`s${i}`, () => i);
    return steps;
  });
}

/** Samples RSS and heapUsed every 10 ms on an unref'd timer; `stop` returns the peaks. */
function sampleMemoryPeaks(): { stop(): { rss: number; heapUsed: number } } {
  const peaks = { rss: 0, heapUsed: 0 };
  const sample = (): void => {
    const { rss, heapUsed } = process.memoryUsage();
    peaks.rss = Math.max(peaks.rss, rss);
    peaks.heapUsed = Math.max(peaks.heapUsed, heapUsed);
  };
  sample();
  const timer = setInterval(sample, 10);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}

async function runSequentially(
  count: number,
  run: (i: number) => Promise<number>,
): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) latencies.push(await run(i));
  return latencies;
}

function perStep(
  stats: Map<string, CallStats>,
  steps: number,
): Record<string, { perStep: number; meanMs: number }> {
  const out: Record<string, { perStep: number; meanMs: number }> = {};
  for (const [method, { calls, totalMs }] of stats) {
    out[method] = { perStep: calls / steps, meanMs: totalMs / calls };
  }
  return out;
}
