import { describe, expect, it } from 'vitest';
import type { StepRecord } from '../../core/step.ts';
import type { ClaimedRun } from '../../core/store.ts';
import {
  LEASE_MS,
  T0,
  WORKER,
  claimRun,
  completeHeld,
  createRun,
  eventTypes,
  expectLeaseLost,
  getRun,
  heldRun,
  parkHeld,
  runParams,
  saveHeldStep,
  startChild,
  type StoreFixture,
} from './fixtures.ts';

export function describeCancelRun(fx: StoreFixture): void {
  describe('cancelRun', () => {
    it('ends a parked run cancelled with a CancelledError', async () => {
      const run = await createRun(fx.store);
      const { run: cancelled, cancelled: runs } = await fx.store.cancelRun({
        runId: run.id,
        now: T0 + 1,
        reason: 'no',
      });
      expect(runs).toEqual([{ id: run.id, workflowName: run.workflowName, reason: 'no' }]);
      expect(cancelled).toMatchObject({
        status: 'cancelled',
        finishedAt: T0 + 1,
        wakeAt: null,
        error: { type: 'CancelledError', code: 'CANCELLED', message: 'no' },
      });
      expect(await getRun(fx.store, run.id)).toEqual(cancelled);
      expect(await eventTypes(fx.store, run.id)).toEqual(['run.created', 'run.cancelled']);
      expect(await claimRun(fx.store, run, T0 + 10 * LEASE_MS)).toBeUndefined();
    });

    it('makes every further write of the worker running it fail', async () => {
      const run = await heldRun(fx.store);
      const { run: cancelled } = await fx.store.cancelRun({ runId: run.id, now: T0 });
      expect(cancelled.fencingToken).toBeGreaterThan(run.fencingToken);
      expect(cancelled).toMatchObject({ leaseOwner: null, leaseExpiresAt: null });
      await expectLeaseLost(saveHeldStep(fx.store, run, 'late'));
      expect(await fx.store.listSteps({ runId: run.id })).toEqual([]);
    });

    it('cancels all unfinished descendants, not finished ones', async () => {
      const root = await heldRun(fx.store);
      const child = await startChild(fx.store, root, 'child');
      const heldChild = (await claimRun(fx.store, child, T0)) as ClaimedRun;
      const grandchild = await startChild(fx.store, heldChild, 'grandchild');
      const finished = await startChild(fx.store, root, 'finished');
      const heldFinished = (await claimRun(fx.store, finished, T0)) as ClaimedRun;
      await completeHeld(fx.store, heldFinished, 'kept');
      const { cancelled } = await fx.store.cancelRun({ runId: root.id, now: T0 + 1 });
      // Exactly the runs this call cancelled, each with the reason its event records.
      expect(new Set(cancelled.map((c) => c.id))).toEqual(
        new Set([root.id, child.id, grandchild.id]),
      );
      expect(cancelled.find((c) => c.id === child.id)?.reason).toBe(
        `ancestor run ${root.id} was cancelled`,
      );
      for (const id of [root.id, child.id, grandchild.id]) {
        expect((await getRun(fx.store, id)).status).toBe('cancelled');
        expect((await eventTypes(fx.store, id)).at(-1)).toBe('run.cancelled');
      }
      expect(await getRun(fx.store, finished.id)).toMatchObject({
        status: 'completed',
        output: 'kept',
      });
      // A parent cancelled along with its child is not woken for it: its step waiting on the
      // child ends cancelled with the parent.
      const childSteps = await fx.store.listSteps({ runId: child.id });
      expect(childSteps).toMatchObject([
        { key: 'grandchild', status: 'cancelled', error: { code: 'STEP_CANCELLED' } },
      ]);
    });

    it('ends the steps the run leaves unfinished cancelled, each with its event', async () => {
      const run = await heldRun(fx.store);
      await saveHeldStep(fx.store, run, 'done');
      const running: Partial<StepRecord> = {
        status: 'running',
        output: undefined,
        finishedAt: null,
        startedAt: T0 + 1,
      };
      await saveHeldStep(fx.store, run, 'busy', running);
      await fx.store.cancelRun({ runId: run.id, now: T0 + 5, reason: 'stop' });
      const steps = await fx.store.listSteps({ runId: run.id });
      expect(steps).toMatchObject([
        { key: 'done', status: 'completed' },
        {
          key: 'busy',
          status: 'cancelled',
          finishedAt: T0 + 5,
          error: {
            type: 'StepCancelledError',
            code: 'STEP_CANCELLED',
            message: 'step "busy" was cancelled: stop',
            step: 'busy',
          },
        },
      ]);
      const events = await fx.store.listEvents({ runId: run.id });
      expect(events.slice(-2)).toMatchObject([
        { type: 'step.cancelled', stepKey: 'busy', attempt: 1, durationMs: 4 },
        { type: 'run.cancelled' },
      ]);
    });

    it("fails the parent's step with CANCELLED and wakes the parent", async () => {
      const parent = await heldRun(fx.store);
      const child = await startChild(fx.store, parent, 'sub');
      await parkHeld(fx.store, parent, { status: 'waiting', wakeAt: null, waitingOn: ['sub'] });
      await fx.store.cancelRun({ runId: child.id, now: T0 + 4 });
      const [step] = await fx.store.listSteps({ runId: parent.id });
      expect(step).toMatchObject({
        status: 'failed',
        error: {
          type: 'ChildWorkflowError',
          code: 'CANCELLED',
          retryable: false,
          details: { childRunId: child.id },
          cause: { type: 'CancelledError', code: 'CANCELLED' },
        },
      });
      expect(await getRun(fx.store, parent.id)).toMatchObject({
        status: 'pending',
        wakeAt: T0 + 4,
      });
    });

    it('is a no-op on a run that already ended', async () => {
      const run = await heldRun(fx.store);
      await completeHeld(fx.store, run);
      const before = await getRun(fx.store, run.id);
      expect(await fx.store.cancelRun({ runId: run.id, now: T0 + 1 })).toEqual({
        run: before,
        cancelled: [],
      });
      expect(await eventTypes(fx.store, run.id)).toEqual(['run.created', 'run.started']);
    });

    it('rejects an unknown run with NOT_FOUND', async () => {
      await expect(fx.store.cancelRun({ runId: runParams().id, now: T0 })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });
  });
}

export function describePauseResume(fx: StoreFixture): void {
  describe('pauseRun and resumeRun', () => {
    it('pauses a parked run at once and resumes it to the status it had', async () => {
      const run = await heldRun(fx.store);
      await parkHeld(fx.store, run, { status: 'sleeping', wakeAt: T0 + 100 });
      const paused = await fx.store.pauseRun({ runId: run.id, now: T0 + 1 });
      expect(paused).toMatchObject({ status: 'paused', pauseRequested: true, wakeAt: T0 + 100 });
      expect(await claimRun(fx.store, run, T0 + 1000)).toBeUndefined();
      const resumed = await fx.store.resumeRun({ runId: run.id, now: T0 + 2 });
      expect(resumed).toMatchObject({
        status: 'sleeping',
        pauseRequested: false,
        wakeAt: T0 + 100,
      });
      expect(await eventTypes(fx.store, run.id)).toEqual([
        'run.created',
        'run.started',
        'run.paused',
        'run.resume_requested',
      ]);
      expect(await claimRun(fx.store, run, T0 + 99)).toBeUndefined();
      expect(await claimRun(fx.store, run, T0 + 100)).toBeDefined();
    });

    it('pauses a pending run and makes it due again on resume', async () => {
      const run = await createRun(fx.store);
      expect((await fx.store.pauseRun({ runId: run.id, now: T0 })).status).toBe('paused');
      expect(await claimRun(fx.store, run, T0 + 1)).toBeUndefined();
      expect((await fx.store.resumeRun({ runId: run.id, now: T0 + 2 })).status).toBe('pending');
      expect(await claimRun(fx.store, run, T0 + 2)).toBeDefined();
    });

    it('only flags a running run; it pauses when its worker parks it', async () => {
      const run = await heldRun(fx.store);
      const flagged = await fx.store.pauseRun({ runId: run.id, now: T0 });
      expect(flagged).toMatchObject({
        status: 'running',
        pauseRequested: true,
        leaseOwner: WORKER,
      });
      expect(await eventTypes(fx.store, run.id)).toEqual([
        'run.created',
        'run.started',
        'run.pause_requested',
      ]);
      const parked = await parkHeld(fx.store, run, {
        status: 'pending',
        wakeAt: T0 + 1,
        now: T0 + 1,
      });
      expect(parked.status).toBe('paused');
      expect(await claimRun(fx.store, run, T0 + 2)).toBeUndefined();
      await fx.store.resumeRun({ runId: run.id, now: T0 + 3 });
      expect(await claimRun(fx.store, run, T0 + 3)).toBeDefined();
    });

    it('clears the flag of a running run on resume', async () => {
      const run = await heldRun(fx.store);
      await fx.store.pauseRun({ runId: run.id, now: T0 });
      const resumed = await fx.store.resumeRun({ runId: run.id, now: T0 + 1 });
      expect(resumed).toMatchObject({ status: 'running', pauseRequested: false });
      const control = await saveHeldStep(fx.store, run, 'a', {}, T0 + 2);
      expect(control).toEqual({ pauseRequested: false });
    });

    it('leaves a run that ended alone, and rejects unknown runs with NOT_FOUND', async () => {
      const run = await createRun(fx.store);
      const { run: cancelled } = await fx.store.cancelRun({ runId: run.id, now: T0 });
      expect(await fx.store.pauseRun({ runId: run.id, now: T0 + 1 })).toEqual(cancelled);
      expect(await fx.store.resumeRun({ runId: run.id, now: T0 + 1 })).toEqual(cancelled);
      const unknown = runParams().id;
      await expect(fx.store.pauseRun({ runId: unknown, now: T0 })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(fx.store.resumeRun({ runId: unknown, now: T0 })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });
  });
}
