import type { Store } from '../core/store.ts';
import type { RunStatus } from '../core/run.ts';
import {
  type Engine,
  type EngineOptions,
  type WorkerOptions,
  createEngine,
} from '../runtime/engine.ts';
import type { WorkflowDefinition } from '../runtime/workflow.ts';
import { openSqliteStore } from '../storage/sqlite/index.ts';
import { FakeClock, settle } from './fake-clock.ts';

export interface TestEngine {
  engine: Engine;
  clock: FakeClock;
  store: Store;
  /** Waits (in real time, briefly) until the run reaches one of `statuses`. */
  waitForStatus(runId: string, ...statuses: RunStatus[]): Promise<void>;
  close(): Promise<void>;
}

export interface TestEngineOptions {
  workflows?: readonly WorkflowDefinition[];
  store?: Store;
  clock?: FakeClock;
  worker?: WorkerOptions;
  retry?: EngineOptions['retry'];
  /** Defaults to 0.5: jitter off, so retry delays are exact. */
  random?: () => number;
  /** Secret values (`ctx.secret`, YAML `secrets:`). Default: none. */
  secrets?: EngineOptions['secrets'];
}

const openMemoryStore = (): Promise<Store> => openSqliteStore({ path: ':memory:' });
let openDefaultStore = openMemoryStore;

/**
 * Makes `createTestEngine` open the stores it owns with `open` (without an argument: back to
 * in-memory SQLite), so a whole engine suite runs unchanged against another store — Waymark
 * runs its own engine tests on PostgreSQL this way. Each call of `open` must return an empty
 * store.
 */
export function setTestEngineStore(open?: () => Promise<Store>): void {
  openDefaultStore = open ?? openMemoryStore;
}

/**
 * An engine on a FakeClock and an in-memory SQLite store, for testing workflows: sleeps,
 * retries and timeouts take no real time, only `clock.advance(...)`.
 *
 * @example
 * const t = await createTestEngine({ workflows: [myWorkflow] });
 * const run = await t.engine.start(myWorkflow, input);
 * await t.waitForStatus(run.id, 'sleeping');
 * await t.clock.advance('1h');
 * expect(await run.result()).toEqual(...);
 * await t.close();
 */
export async function createTestEngine(options: TestEngineOptions = {}): Promise<TestEngine> {
  const clock = options.clock ?? new FakeClock();
  const ownsStore = options.store === undefined;
  const store = options.store ?? (await openDefaultStore());
  const engine = createEngine({
    store,
    clock,
    workflows: options.workflows ?? [],
    worker: {
      concurrency: 10,
      leaseMs: 30_000,
      pollMs: 5_000,
      shutdownGraceMs: 0,
      ...options.worker,
    },
    random: options.random ?? (() => 0.5),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.secrets === undefined ? {} : { secrets: options.secrets }),
  });
  return {
    engine,
    clock,
    store,
    async waitForStatus(runId, ...statuses) {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const run = await store.getRun({ runId });
        if (run !== null && statuses.includes(run.status)) return;
        if (Date.now() > deadline) {
          throw new Error(
            `run ${runId} is ${run?.status ?? 'missing'}, expected ${statuses.join(' or ')}`,
          );
        }
        await settle(2);
      }
    },
    async close() {
      await engine.stop({ graceMs: 0 });
      if (ownsStore) await store.close();
    },
  };
}
