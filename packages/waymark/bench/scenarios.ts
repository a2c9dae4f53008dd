/** What each bench scenario runs. Sized so the whole bench stays under a minute on 2 cores. */
export interface Scenario {
  name: string;
  description: string;
  /** Runs started in the measured round. */
  workflows: number;
  /** No-op steps per run. */
  steps: number;
  /** Start one run, await its result, then start the next (else all start at once). */
  sequential: boolean;
  /** The worker's concurrency: large enough that no run waits for a slot. */
  concurrency: number;
  /**
   * Warm-up rounds of `warmupWorkflows` runs each (each on its own database) before the
   * measured one, so it measures a warmed-up worker: V8 optimizes the hot paths only after
   * a few thousand steps, and a worker process lives much longer than that.
   */
  warmupRounds: number;
  warmupWorkflows: number;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'w500-s10',
    description: '500 runs x 10 steps, all started at once',
    workflows: 500,
    steps: 10,
    sequential: false,
    concurrency: 500,
    warmupRounds: 3,
    warmupWorkflows: 500,
  },
  {
    name: 'w2000-s1',
    description: '2000 runs x 1 step, all started at once',
    workflows: 2000,
    steps: 1,
    sequential: false,
    concurrency: 2000,
    // Small next to the measured round, so the process's peak RSS is the measured round's.
    warmupRounds: 3,
    warmupWorkflows: 200,
  },
  {
    name: 'w1-s100',
    description: 'one run of 100 sequential steps',
    workflows: 1,
    steps: 100,
    sequential: true,
    concurrency: 1,
    warmupRounds: 3,
    warmupWorkflows: 10,
  },
  {
    name: 'sequential-20',
    description: '20 one-step runs, each started after the previous one ended',
    workflows: 20,
    steps: 1,
    sequential: true,
    concurrency: 1,
    warmupRounds: 3,
    warmupWorkflows: 50,
  },
];

export function findScenario(name: string): Scenario {
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (scenario === undefined) {
    throw new Error(
      `unknown scenario "${name}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  }
  return scenario;
}
