import { describe, expect, it } from 'vitest';
import { NonRetryableError, StepTimeoutError } from '../../core/errors.ts';
import { deserializeError, serializeError } from '../../core/serialize-error.ts';
import type { ClaimedRun } from '../../core/store.ts';
import {
  LEASE_MS,
  T0,
  claimRun,
  completeHeld,
  eventTypes,
  getRun,
  heldRun,
  parkHeld,
  saveHeldStep,
  startChild,
  stepRecord,
  type StoreFixture,
} from './fixtures.ts';

export function describeSaveStep(fx: StoreFixture): void {
  describe('saveStep', () => {
    it('inserts a step, then replaces it on the same key', async () => {
      const run = await heldRun(fx.store);
      const fenced = { runId: run.id, fencingToken: run.fencingToken, now: T0 };
      const started = stepRecord(run.id, 'fetch', {
        status: 'running',
        output: undefined,
        finishedAt: null,
      });
      await fx.store.saveStep({
        ...fenced,
        step: started,
        events: [{ type: 'step.started', at: T0, stepKey: 'fetch', attempt: 1 }],
      });
      expect(await fx.store.listSteps({ runId: run.id })).toEqual([started]);
      const done = stepRecord(run.id, 'fetch', { output: [1, 2], finishedAt: T0 + 5 });
      await fx.store.saveStep({
        ...fenced,
        step: done,
        events: [{ type: 'step.succeeded', at: T0 + 5, stepKey: 'fetch', attempt: 1 }],
      });
      expect(await fx.store.listSteps({ runId: run.id })).toEqual([done]);
      expect(await eventTypes(fx.store, run.id)).toEqual([
        'run.created',
        'run.started',
        'step.started',
        'step.succeeded',
      ]);
    });

    it('returns the pause flag and resets the recovery count on request', async () => {
      const first = await heldRun(fx.store);
      const run = await claimRun(fx.store, first, T0 + LEASE_MS + 1, 'worker-b');
      expect(run?.recoveryCount).toBe(1);
      const save = (resetRecovery: boolean, key: string) =>
        fx.store.saveStep({
          runId: first.id,
          fencingToken: run?.fencingToken ?? -1,
          step: stepRecord(first.id, key),
          now: T0,
          events: [],
          resetRecovery,
        });
      expect(await save(false, 'a')).toEqual({ pauseRequested: false });
      expect((await getRun(fx.store, first.id)).recoveryCount).toBe(1);
      await fx.store.pauseRun({ runId: first.id, now: T0 });
      expect(await save(true, 'b')).toEqual({ pauseRequested: true });
      expect((await getRun(fx.store, first.id)).recoveryCount).toBe(0);
    });

    it('round-trips serialized errors, with cause, details and stack', async () => {
      const run = await heldRun(fx.store);
      const error = serializeError(
        new NonRetryableError('card declined', {
          cause: new StepTimeoutError('charge', 500, 2),
          details: { card: '4242', nested: { codes: [1, 2] } },
          step: 'charge',
          attempt: 3,
        }),
      );
      await saveHeldStep(fx.store, run, 'charge', { status: 'failed', output: undefined, error });
      const [stored] = await fx.store.listSteps({ runId: run.id });
      expect(stored?.error).toEqual(error);
      const revived = deserializeError(stored?.error ?? error);
      expect(revived).toBeInstanceOf(NonRetryableError);
      expect(revived.cause).toBeInstanceOf(StepTimeoutError);

      await fx.store.failRun({
        runId: run.id,
        fencingToken: run.fencingToken,
        error,
        now: T0 + 1,
        events: [{ type: 'run.failed', at: T0 + 1, data: { error } }],
      });
      const failed = await getRun(fx.store, run.id);
      expect(failed).toMatchObject({ status: 'failed', error, finishedAt: T0 + 1 });
      const events = await fx.store.listEvents({ runId: run.id });
      expect(events.at(-1)?.data).toEqual({ error });
    });
  });
}

export function describeParkRun(fx: StoreFixture): void {
  describe('parkRun', () => {
    it('drops the lease, sets the status and due time, and appends events', async () => {
      const run = await heldRun(fx.store);
      const parked = await fx.store.parkRun({
        runId: run.id,
        fencingToken: run.fencingToken,
        status: 'sleeping',
        wakeAt: T0 + 1000,
        now: T0 + 1,
        events: [{ type: 'run.parked', at: T0 + 1, data: { wakeAt: T0 + 1000 } }],
      });
      expect(parked).toMatchObject({
        status: 'sleeping',
        wakeAt: T0 + 1000,
        leaseOwner: null,
        leaseExpiresAt: null,
        updatedAt: T0 + 1,
      });
      expect(await getRun(fx.store, run.id)).toEqual(parked);
      expect(await eventTypes(fx.store, run.id)).toEqual([
        'run.created',
        'run.started',
        'run.parked',
      ]);
      expect(await claimRun(fx.store, run, T0 + 999)).toBeUndefined();
      const again = await claimRun(fx.store, run, T0 + 1000);
      expect(again).toMatchObject({ fencingToken: run.fencingToken + 1, recovered: false });
    });

    it('keeps a run waiting without a wake time until something wakes it', async () => {
      const run = await heldRun(fx.store);
      await parkHeld(fx.store, run, { status: 'waiting', wakeAt: null });
      expect(await claimRun(fx.store, run, T0 + 365 * 86_400_000)).toBeUndefined();
    });

    it('counts a recovery on request', async () => {
      const run = await heldRun(fx.store);
      const parked = await parkHeld(fx.store, run, {
        status: 'pending',
        wakeAt: T0 + 10,
        countRecovery: true,
      });
      expect(parked.recoveryCount).toBe(run.recoveryCount + 1);
    });

    it('parks paused when a pause was requested, keeping the intended status', async () => {
      const run = await heldRun(fx.store);
      await fx.store.pauseRun({ runId: run.id, now: T0 });
      const parked = await parkHeld(fx.store, run, { status: 'sleeping', wakeAt: T0 + 500 });
      expect(parked).toMatchObject({ status: 'paused', pauseRequested: true, leaseOwner: null });
      expect(await claimRun(fx.store, run, T0 + 10_000)).toBeUndefined();
      const resumed = await fx.store.resumeRun({ runId: run.id, now: T0 + 1 });
      expect(resumed).toMatchObject({
        status: 'sleeping',
        wakeAt: T0 + 500,
        pauseRequested: false,
      });
    });

    it('parks pending and due now when an awaited child already ended (no lost wake-up)', async () => {
      const parent = await heldRun(fx.store);
      const child = await startChild(fx.store, parent, 'sub');
      const heldChild = (await claimRun(fx.store, child, T0 + 1)) as ClaimedRun;
      await completeHeld(fx.store, heldChild, 'ok', T0 + 2);
      // The parent was still running when the child ended; now it parks to wait for it.
      const parked = await parkHeld(fx.store, parent, {
        status: 'waiting',
        wakeAt: null,
        waitingOn: ['sub'],
        now: T0 + 3,
      });
      expect(parked).toMatchObject({ status: 'pending', wakeAt: T0 + 3 });
      expect(await claimRun(fx.store, parent, T0 + 3)).toBeDefined();
    });

    it('parks waiting when the awaited child has not ended', async () => {
      const parent = await heldRun(fx.store);
      await startChild(fx.store, parent, 'sub');
      const parked = await parkHeld(fx.store, parent, {
        status: 'waiting',
        wakeAt: null,
        waitingOn: ['sub'],
      });
      expect(parked).toMatchObject({ status: 'waiting', wakeAt: null });
    });
  });
}
