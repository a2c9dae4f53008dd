import { afterEach, beforeEach, expect } from 'vitest';
import { uuidv7 } from '../../core/ids.ts';
import type { RunRecord } from '../../core/run.ts';
import { parseStepKey } from '../../core/step-key.ts';
import type { StepRecord } from '../../core/step.ts';
import type {
  ClaimedRun,
  CreateRunParams,
  FencedParams,
  ParkRunParams,
  RunControl,
  Store,
} from '../../core/store.ts';

export type StoreFactory = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

/** 2026-01-01: every time in the suite is explicit, relative to this. */
export const T0 = Date.UTC(2026, 0, 1);
export const LEASE_MS = 30_000;
export const WORKER = 'worker-a';

export interface StoreFixture {
  readonly store: Store;
}

/** A fresh store per test, from the implementation's factory. */
export function useStore(factory: StoreFactory): StoreFixture {
  let current: Awaited<ReturnType<StoreFactory>> | undefined;
  beforeEach(async () => {
    current = await factory();
  });
  afterEach(async () => {
    const done = current;
    current = undefined;
    await done?.cleanup();
  });
  return {
    get store(): Store {
      if (current === undefined) throw new Error('the store is only available inside a test');
      return current.store;
    },
  };
}

let workflowCounter = 0;

/** A workflow name no other run of the test uses, so claims can target one run. */
export function uniqueWorkflow(prefix = 'wf'): string {
  workflowCounter += 1;
  return `${prefix}-${workflowCounter}`;
}

export function runParams(overrides: Partial<CreateRunParams> = {}): CreateRunParams {
  const now = overrides.now ?? T0;
  return {
    id: uuidv7(now),
    workflowName: 'greet',
    workflowVersion: '1',
    input: { name: 'Ada' },
    now,
    events: [{ type: 'run.created', at: now }],
    ...overrides,
  };
}

export async function createRun(
  store: Store,
  overrides: Partial<CreateRunParams> = {},
): Promise<RunRecord> {
  return (await store.createRun(runParams(overrides))).run;
}

/** Claims exactly this run (through its workflow filter); undefined if it is not due. */
export async function claimRun(
  store: Store,
  run: Pick<RunRecord, 'id' | 'workflowName'>,
  now: number,
  workerId = WORKER,
): Promise<ClaimedRun | undefined> {
  const claimed = await store.claimRuns({
    workerId,
    now,
    leaseMs: LEASE_MS,
    limit: 100,
    workflows: [run.workflowName],
  });
  return claimed.find((c) => c.id === run.id);
}

/** A run created and claimed at `now`, on a workflow of its own. */
export async function heldRun(
  store: Store,
  overrides: Partial<CreateRunParams> = {},
  workerId = WORKER,
): Promise<ClaimedRun> {
  const run = await createRun(store, { workflowName: uniqueWorkflow(), ...overrides });
  const claimed = await claimRun(store, run, overrides.now ?? T0, workerId);
  expect(claimed?.id).toBe(run.id);
  return claimed as ClaimedRun;
}

export function stepRecord(
  runId: string,
  key: string,
  overrides: Partial<StepRecord> = {},
): StepRecord {
  return {
    runId,
    key,
    name: parseStepKey(key).name,
    kind: 'run',
    status: 'completed',
    attempt: 1,
    output: { ok: true },
    error: null,
    startedAt: T0,
    finishedAt: T0,
    wakeAt: null,
    childRunId: null,
    ...overrides,
  };
}

/** The fencing of a held run: what its worker writes with. */
type Held = Pick<ClaimedRun, 'id' | 'fencingToken'>;

/** Parks a held run at T0 without events, unless `park` says otherwise. */
export function parkHeld(
  store: Store,
  run: Held,
  park: Omit<ParkRunParams, keyof FencedParams | 'now' | 'events'> &
    Partial<Pick<ParkRunParams, 'now' | 'events'>>,
): Promise<RunRecord> {
  return store.parkRun({
    runId: run.id,
    fencingToken: run.fencingToken,
    now: T0,
    events: [],
    ...park,
  });
}

/** Completes a held run without events. */
export function completeHeld(
  store: Store,
  run: Held,
  output: unknown = 1,
  now = T0,
): Promise<void> {
  return store.completeRun({
    runId: run.id,
    fencingToken: run.fencingToken,
    output,
    now,
    events: [],
  });
}

/** Saves the step `key` of a held run (a `stepRecord`) without events. */
export function saveHeldStep(
  store: Store,
  run: Held,
  key: string,
  overrides: Partial<StepRecord> = {},
  now = T0,
): Promise<RunControl> {
  return store.saveStep({
    runId: run.id,
    fencingToken: run.fencingToken,
    step: stepRecord(run.id, key, overrides),
    now,
    events: [],
  });
}

/** Starts a child of a held parent from its step `key`; returns the child as created. */
export async function startChild(
  store: Store,
  parent: ClaimedRun,
  key = 'child',
  overrides: Partial<CreateRunParams> = {},
): Promise<RunRecord> {
  const child = runParams({ workflowName: uniqueWorkflow('child'), ...overrides });
  const result = await store.startChildRun({
    runId: parent.id,
    fencingToken: parent.fencingToken,
    now: child.now,
    step: stepRecord(parent.id, key, {
      kind: 'child',
      status: 'waiting',
      output: undefined,
      finishedAt: null,
      childRunId: child.id,
    }),
    child,
    events: [{ type: 'step.waiting', at: child.now, stepKey: key }],
  });
  return result.child;
}

/** A parent parked `waiting` on its child step `sub`, and that child held by a worker. */
export async function parentWaitingOnChild(
  store: Store,
): Promise<{ parent: ClaimedRun; child: ClaimedRun }> {
  const parent = await heldRun(store);
  const child = await startChild(store, parent, 'sub', { input: { x: 1 } });
  await parkHeld(store, parent, { status: 'waiting', wakeAt: null, waitingOn: ['sub'] });
  const heldChild = (await claimRun(store, child, T0 + 1)) as ClaimedRun;
  return { parent, child: heldChild };
}

/** Everything the store holds about a run, to check a rejected write changed nothing. */
export async function snapshot(store: Store, runId: string) {
  return {
    run: await store.getRun({ runId }),
    steps: await store.listSteps({ runId }),
    events: await store.listEvents({ runId }),
  };
}

export async function getRun(store: Store, runId: string): Promise<RunRecord> {
  const run = await store.getRun({ runId });
  if (run === null) throw new Error(`run ${runId} not found`);
  return run;
}

export async function expectLeaseLost(write: Promise<unknown>): Promise<void> {
  await expect(write).rejects.toMatchObject({ code: 'LEASE_LOST' });
}

export async function eventTypes(store: Store, runId: string): Promise<string[]> {
  return (await store.listEvents({ runId })).map((e) => e.type);
}
