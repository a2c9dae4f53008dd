import { describe, expect, it } from 'vitest';
import type { ClaimedRun, Store } from '../../core/store.ts';
import {
  LEASE_MS,
  T0,
  WORKER,
  claimRun,
  completeHeld,
  eventTypes,
  expectLeaseLost,
  getRun,
  heldRun,
  parkHeld,
  runParams,
  snapshot,
  stepRecord,
  type StoreFixture,
} from './fixtures.ts';

/** A run held by worker A whose lease expired and was reclaimed by worker B. */
async function reclaimedRun(store: Store): Promise<{ stale: ClaimedRun; current: ClaimedRun }> {
  const stale = await heldRun(store);
  const current = await claimRun(store, stale, T0 + LEASE_MS + 1, 'worker-b');
  expect(current?.fencingToken).toBe(stale.fencingToken + 1);
  return { stale, current: current as ClaimedRun };
}

export function describeFencing(fx: StoreFixture): void {
  describe('fencing', () => {
    const staleWrites: Array<[string, (store: Store, run: ClaimedRun) => Promise<unknown>]> = [
      [
        'saveStep',
        (store, run) =>
          store.saveStep({
            runId: run.id,
            fencingToken: run.fencingToken,
            step: stepRecord(run.id, 'a'),
            now: T0,
            events: [{ type: 'step.succeeded', at: T0, stepKey: 'a' }],
            resetRecovery: true,
          }),
      ],
      [
        'parkRun',
        (store, run) =>
          store.parkRun({
            runId: run.id,
            fencingToken: run.fencingToken,
            status: 'sleeping',
            wakeAt: T0 + 5,
            now: T0,
            events: [{ type: 'run.parked', at: T0 }],
          }),
      ],
      [
        'completeRun',
        (store, run) =>
          store.completeRun({
            runId: run.id,
            fencingToken: run.fencingToken,
            output: 'done',
            now: T0,
            events: [{ type: 'run.completed', at: T0 }],
          }),
      ],
      [
        'failRun',
        (store, run) =>
          store.failRun({
            runId: run.id,
            fencingToken: run.fencingToken,
            error: { type: 'Error', code: 'STEP_FAILED', message: 'boom', retryable: true },
            now: T0,
            events: [{ type: 'run.failed', at: T0 }],
          }),
      ],
      [
        'appendEvents',
        (store, run) =>
          store.appendEvents({
            runId: run.id,
            fencingToken: run.fencingToken,
            events: [{ type: 'step.started', at: T0, stepKey: 'a' }],
          }),
      ],
      [
        'releaseRun',
        (store, run) =>
          store.releaseRun({ runId: run.id, fencingToken: run.fencingToken, now: T0 }),
      ],
      [
        'startChildRun',
        (store, run) =>
          store.startChildRun({
            runId: run.id,
            fencingToken: run.fencingToken,
            now: T0,
            step: stepRecord(run.id, 'child', { kind: 'child', status: 'waiting' }),
            child: runParams(),
            events: [],
          }),
      ],
    ];

    for (const [name, write] of staleWrites) {
      it(`rejects ${name} with a stale fencing token and changes nothing`, async () => {
        const { stale, current } = await reclaimedRun(fx.store);
        const before = await snapshot(fx.store, stale.id);
        await expectLeaseLost(write(fx.store, stale));
        expect(await snapshot(fx.store, stale.id)).toEqual(before);
        expect(await fx.store.listRuns({ parentRunId: stale.id })).toEqual({
          runs: [],
          nextCursor: null,
        });
        // The current holder is unaffected and can still write.
        await write(fx.store, current);
      });
    }

    it('rejects a fenced write on a run that is no longer running', async () => {
      const run = await heldRun(fx.store);
      await parkHeld(fx.store, run, { status: 'sleeping', wakeAt: T0 + 1000 });
      const before = await snapshot(fx.store, run.id);
      await expectLeaseLost(staleWrites[0]![1](fx.store, run));
      expect(await snapshot(fx.store, run.id)).toEqual(before);
    });

    it('rejects a fenced write on an unknown run', async () => {
      await expectLeaseLost(
        fx.store.appendEvents({ runId: runParams().id, fencingToken: 1, events: [] }),
      );
    });

    it('appends events without a token whatever the run status', async () => {
      const run = await heldRun(fx.store);
      await completeHeld(fx.store, run, null);
      await fx.store.appendEvents({ runId: run.id, events: [{ type: 'run.resumed', at: T0 }] });
      expect(await eventTypes(fx.store, run.id)).toEqual([
        'run.created',
        'run.started',
        'run.resumed',
      ]);
    });
  });

  describe('extendLeases', () => {
    it('extends the leases this worker holds', async () => {
      const run = await heldRun(fx.store);
      const now = T0 + LEASE_MS - 1;
      const result = await fx.store.extendLeases({
        workerId: WORKER,
        now,
        leaseMs: LEASE_MS,
        runs: [{ runId: run.id, fencingToken: run.fencingToken }],
      });
      expect(result).toEqual({ lost: [], pauseRequested: [] });
      expect((await getRun(fx.store, run.id)).leaseExpiresAt).toBe(now + LEASE_MS);
      expect(await claimRun(fx.store, run, T0 + LEASE_MS + 1, 'worker-b')).toBeUndefined();
    });

    it('reports runs reclaimed by another worker, cancelled or ended as lost', async () => {
      const { stale: reclaimed } = await reclaimedRun(fx.store);
      const cancelled = await heldRun(fx.store);
      await fx.store.cancelRun({ runId: cancelled.id, now: T0 });
      const ended = await heldRun(fx.store);
      await completeHeld(fx.store, ended);
      const kept = await heldRun(fx.store);
      const runs = [reclaimed, cancelled, ended, kept].map((r) => ({
        runId: r.id,
        fencingToken: r.fencingToken,
      }));
      const result = await fx.store.extendLeases({ workerId: WORKER, now: T0, leaseMs: 5, runs });
      expect([...result.lost].sort()).toEqual([reclaimed.id, cancelled.id, ended.id].sort());
      expect(result.pauseRequested).toEqual([]);
      expect((await getRun(fx.store, reclaimed.id)).leaseOwner).toBe('worker-b');
    });

    it('reports held runs with a pause requested', async () => {
      const run = await heldRun(fx.store);
      await fx.store.pauseRun({ runId: run.id, now: T0 });
      const result = await fx.store.extendLeases({
        workerId: WORKER,
        now: T0,
        leaseMs: LEASE_MS,
        runs: [{ runId: run.id, fencingToken: run.fencingToken }],
      });
      expect(result).toEqual({ lost: [], pauseRequested: [run.id] });
    });

    it('accepts an empty list', async () => {
      expect(
        await fx.store.extendLeases({ workerId: WORKER, now: T0, leaseMs: 1, runs: [] }),
      ).toEqual({ lost: [], pauseRequested: [] });
    });
  });

  describe('releaseRun', () => {
    it('gives the run back pending, due now, without a lease', async () => {
      const run = await heldRun(fx.store);
      await fx.store.releaseRun({ runId: run.id, fencingToken: run.fencingToken, now: T0 + 7 });
      expect(await getRun(fx.store, run.id)).toMatchObject({
        status: 'pending',
        wakeAt: T0 + 7,
        leaseOwner: null,
        leaseExpiresAt: null,
      });
      const next = await claimRun(fx.store, run, T0 + 7, 'worker-b');
      expect(next).toMatchObject({ recovered: false, fencingToken: run.fencingToken + 1 });
    });
  });
}
