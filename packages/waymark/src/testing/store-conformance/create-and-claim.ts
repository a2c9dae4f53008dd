import { describe, expect, it } from 'vitest';
import type { ClaimedRun } from '../../core/store.ts';
import {
  LEASE_MS,
  T0,
  WORKER,
  claimRun,
  completeHeld,
  createRun,
  eventTypes,
  heldRun,
  parkHeld,
  runParams,
  uniqueWorkflow,
  type StoreFixture,
} from './fixtures.ts';

export function describeCreateRun(fx: StoreFixture): void {
  describe('createRun', () => {
    it('creates a pending run, due now, and appends its events', async () => {
      const params = runParams({ input: { name: 'Ada', tags: ['x', 1, null] } });
      const { run, created } = await fx.store.createRun(params);
      expect(created).toBe(true);
      expect(run).toMatchObject({
        id: params.id,
        workflowName: 'greet',
        workflowVersion: '1',
        status: 'pending',
        input: { name: 'Ada', tags: ['x', 1, null] },
        output: undefined,
        error: null,
        parentRunId: null,
        parentStepKey: null,
        idempotencyKey: null,
        createdAt: T0,
        updatedAt: T0,
        startedAt: null,
        finishedAt: null,
        wakeAt: T0,
        deadlineAt: null,
        leaseOwner: null,
        leaseExpiresAt: null,
        fencingToken: 0,
        recoveryCount: 0,
        pauseRequested: false,
        definition: null,
      });
      expect(await fx.store.getRun({ runId: run.id })).toEqual(run);
      expect(await eventTypes(fx.store, run.id)).toEqual(['run.created']);
    });

    it('records the definition a run starts with, and returns it unchanged', async () => {
      const definition = {
        source: 'id: greet\nsteps:\n  - id: hi\n    uses: log\n',
        hash: 'a'.repeat(64),
        file: '/work/greet.workflow.yaml',
      };
      const run = await createRun(fx.store, { definition });
      expect(run.definition).toEqual(definition);
      expect((await fx.store.getRun({ runId: run.id }))?.definition).toEqual(definition);
      const noFile = await createRun(fx.store, { definition: { ...definition, file: null } });
      expect((await fx.store.getRun({ runId: noFile.id }))?.definition?.file).toBeNull();
      const plain = await createRun(fx.store, {});
      expect((await fx.store.getRun({ runId: plain.id }))?.definition).toBeNull();
    });

    it('keeps null and undefined inputs apart', async () => {
      const none = await createRun(fx.store, { input: undefined });
      const nil = await createRun(fx.store, { input: null });
      expect((await fx.store.getRun({ runId: none.id }))?.input).toBeUndefined();
      expect((await fx.store.getRun({ runId: nil.id }))?.input).toBeNull();
    });

    it('stores a delayed start and a deadline', async () => {
      const run = await createRun(fx.store, { wakeAt: T0 + 5000, deadlineAt: T0 + 60_000 });
      expect(run.wakeAt).toBe(T0 + 5000);
      expect(run.deadlineAt).toBe(T0 + 60_000);
      expect(await claimRun(fx.store, run, T0 + 4999)).toBeUndefined();
      expect(await claimRun(fx.store, run, T0 + 5000)).toBeDefined();
    });

    it('returns the existing run for a used idempotency key, without a second run', async () => {
      const first = await fx.store.createRun(runParams({ idempotencyKey: 'order-42' }));
      const againParams = runParams({ idempotencyKey: 'order-42', input: { other: true } });
      const again = await fx.store.createRun(againParams);
      expect(again.created).toBe(false);
      expect(again.run).toEqual(first.run);
      expect(await fx.store.getRun({ runId: againParams.id })).toBeNull();
      expect(await eventTypes(fx.store, first.run.id)).toEqual(['run.created']);
    });

    it('creates a run only once when one idempotency key is used concurrently', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => fx.store.createRun(runParams({ idempotencyKey: 'k' }))),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.run.id)).size).toBe(1);
    });

    it('claims the run it creates when asked (eager start), in the same write', async () => {
      const params = runParams({ claim: { workerId: WORKER, leaseMs: LEASE_MS } });
      const { run, created } = await fx.store.createRun(params);
      expect(created).toBe(true);
      expect(run).toMatchObject({
        id: params.id,
        status: 'running',
        leaseOwner: WORKER,
        leaseExpiresAt: T0 + LEASE_MS,
        fencingToken: 1,
        startedAt: T0,
        recovered: false,
      });
      const { recovered: _, ...stored } = run as ClaimedRun;
      expect(await fx.store.getRun({ runId: run.id })).toEqual(stored);
      expect(await eventTypes(fx.store, run.id)).toEqual(['run.created', 'run.started']);
      expect(await claimRun(fx.store, run, T0 + 1, 'worker-b')).toBeUndefined();
    });

    it('does not claim an existing run or a delayed one on an eager start', async () => {
      const claim = { workerId: WORKER, leaseMs: LEASE_MS };
      const first = await fx.store.createRun(
        runParams({ idempotencyKey: `eager-${runParams().id}` }),
      );
      const again = await fx.store.createRun(
        runParams({ idempotencyKey: first.run.idempotencyKey, claim }),
      );
      expect(again).toMatchObject({ created: false, run: { id: first.run.id, status: 'pending' } });
      const delayed = await fx.store.createRun(runParams({ wakeAt: T0 + 1000, claim }));
      expect(delayed.run).toMatchObject({ status: 'pending', leaseOwner: null, fencingToken: 0 });
    });

    it('returns null for an unknown run', async () => {
      expect(await fx.store.getRun({ runId: runParams().id })).toBeNull();
    });
  });
}

export function describeClaimRuns(fx: StoreFixture): void {
  describe('claimRuns', () => {
    it('hands out a due run with a lease and a new fencing token', async () => {
      const run = await createRun(fx.store);
      const [claimed, ...rest] = await fx.store.claimRuns({
        workerId: WORKER,
        now: T0 + 10,
        leaseMs: LEASE_MS,
        limit: 10,
      });
      expect(rest).toEqual([]);
      expect(claimed).toMatchObject({
        id: run.id,
        status: 'running',
        leaseOwner: WORKER,
        leaseExpiresAt: T0 + 10 + LEASE_MS,
        fencingToken: run.fencingToken + 1,
        startedAt: T0 + 10,
        recovered: false,
        recoveryCount: 0,
      });
      const { recovered: _, ...stored } = claimed as NonNullable<typeof claimed>;
      expect(await fx.store.getRun({ runId: run.id })).toEqual(stored);
    });

    it('does not claim a run due later', async () => {
      const run = await createRun(fx.store, { wakeAt: T0 + 1000 });
      expect(await claimRun(fx.store, run, T0 + 999)).toBeUndefined();
      expect((await fx.store.getRun({ runId: run.id }))?.status).toBe('pending');
    });

    it('claims in due order and at most `limit` runs', async () => {
      const workflowName = uniqueWorkflow();
      const late = await createRun(fx.store, { workflowName, wakeAt: T0 + 3 });
      const early = await createRun(fx.store, { workflowName, wakeAt: T0 + 1 });
      const middle = await createRun(fx.store, { workflowName, wakeAt: T0 + 2 });
      const sameTime = await createRun(fx.store, { workflowName, wakeAt: T0 + 2 });
      const claimed = await fx.store.claimRuns({
        workerId: WORKER,
        now: T0 + 10,
        leaseMs: LEASE_MS,
        limit: 3,
      });
      expect(claimed.map((r) => r.id)).toEqual([early.id, middle.id, sameTime.id]);
      expect((await fx.store.getRun({ runId: late.id }))?.status).toBe('pending');
    });

    it('claims only runs of the given workflows', async () => {
      const a = await createRun(fx.store, { workflowName: 'a' });
      const b = await createRun(fx.store, { workflowName: 'b' });
      const claim = (workflows: string[]) =>
        fx.store.claimRuns({ workerId: WORKER, now: T0, leaseMs: LEASE_MS, limit: 10, workflows });
      expect(await claim([])).toEqual([]);
      expect((await claim(['b', 'c'])).map((r) => r.id)).toEqual([b.id]);
      expect((await fx.store.getRun({ runId: a.id }))?.status).toBe('pending');
    });

    it('does not steal a run whose lease is still valid', async () => {
      const run = await heldRun(fx.store);
      expect(await claimRun(fx.store, run, T0 + LEASE_MS - 1, 'worker-b')).toBeUndefined();
      expect((await fx.store.getRun({ runId: run.id }))?.leaseOwner).toBe(WORKER);
    });

    it('reclaims a run whose lease expired, as recovered', async () => {
      const run = await heldRun(fx.store);
      const later = T0 + LEASE_MS + 1;
      const reclaimed = await claimRun(fx.store, run, later, 'worker-b');
      expect(reclaimed).toMatchObject({
        status: 'running',
        recovered: true,
        recoveryCount: 1,
        fencingToken: run.fencingToken + 1,
        leaseOwner: 'worker-b',
        leaseExpiresAt: later + LEASE_MS,
        startedAt: T0,
      });
      const { recovered: _, ...stored } = reclaimed as ClaimedRun;
      expect(await fx.store.getRun({ runId: run.id })).toEqual(stored);
    });

    it('returns a resumed claim exactly as stored', async () => {
      const run = await heldRun(fx.store);
      await parkHeld(fx.store, run, { status: 'sleeping', wakeAt: T0 + 5, now: T0 + 1 });
      const resumed = await claimRun(fx.store, run, T0 + 5, 'worker-b');
      expect(resumed).toMatchObject({ status: 'running', recovered: false, startedAt: T0 });
      const { recovered: _, ...stored } = resumed as ClaimedRun;
      expect(await fx.store.getRun({ runId: run.id })).toEqual(stored);
    });

    it('returns an eager start with every field set exactly as stored', async () => {
      const params = runParams({
        claim: { workerId: WORKER, leaseMs: LEASE_MS },
        idempotencyKey: `eager-full-${runParams().id}`,
        deadlineAt: T0 + 60_000,
        input: null,
        definition: { source: 'id: x', hash: 'abc', file: 'x.workflow.yaml' },
        parentRunId: null,
        parentStepKey: null,
      });
      const { run } = await fx.store.createRun(params);
      const { recovered: _, ...stored } = run as ClaimedRun;
      expect(await fx.store.getRun({ runId: run.id })).toEqual(stored);
    });

    it('records each claim as run.started, run.resumed or run.recovered, with the worker', async () => {
      const run = await heldRun(fx.store);
      await parkHeld(fx.store, run, { status: 'sleeping', wakeAt: T0 + 5, now: T0 + 1 });
      const resumed = await claimRun(fx.store, run, T0 + 5, 'worker-b');
      expect(resumed?.fencingToken).toBe(run.fencingToken + 1);
      const expired = T0 + 5 + LEASE_MS;
      await claimRun(fx.store, run, expired, 'worker-c');
      const claims = (await fx.store.listEvents({ runId: run.id }))
        .filter((e) => e.type !== 'run.created')
        .map(({ type, at, data }) => ({ type, at, data }));
      expect(claims).toEqual([
        { type: 'run.started', at: T0, data: { worker: WORKER, recoveryCount: 0 } },
        { type: 'run.resumed', at: T0 + 5, data: { worker: 'worker-b', recoveryCount: 0 } },
        { type: 'run.recovered', at: expired, data: { worker: 'worker-c', recoveryCount: 1 } },
      ]);
    });

    it('never claims a terminal run', async () => {
      const run = await heldRun(fx.store);
      await completeHeld(fx.store, run);
      expect(await claimRun(fx.store, run, T0 + 10 * LEASE_MS)).toBeUndefined();
    });

    it('never hands one run to two concurrent claims', async () => {
      const workflowName = uniqueWorkflow();
      const runs = await Promise.all(
        Array.from({ length: 20 }, () => createRun(fx.store, { workflowName })),
      );
      const batches = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          fx.store.claimRuns({
            workerId: `worker-${i}`,
            now: T0,
            leaseMs: LEASE_MS,
            limit: 3,
            workflows: [workflowName],
          }),
        ),
      );
      const ids = batches.flat().map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(Math.min(runs.length, 8 * 3));
    });
  });
}
