import { describe, expect, it } from 'vitest';
import type { SerializedError } from '../../core/serialize-error.ts';
import type { ClaimedRun } from '../../core/store.ts';
import {
  T0,
  claimRun,
  completeHeld,
  eventTypes,
  getRun,
  heldRun,
  parentWaitingOnChild,
  parkHeld,
  runParams,
  saveHeldStep,
  startChild,
  stepRecord,
  uniqueWorkflow,
  type StoreFixture,
} from './fixtures.ts';

const childError: SerializedError = {
  type: 'Error',
  code: 'STEP_FAILED',
  message: 'disk full',
  retryable: true,
};

export function describeChildRuns(fx: StoreFixture): void {
  describe('child runs', () => {
    it("creates the child and the parent's waiting step in one write", async () => {
      const parent = await heldRun(fx.store);
      const params = runParams({ workflowName: uniqueWorkflow('child'), input: [1] });
      const { child, control } = await fx.store.startChildRun({
        runId: parent.id,
        fencingToken: parent.fencingToken,
        now: T0,
        step: stepRecord(parent.id, 'sub', {
          kind: 'child',
          status: 'waiting',
          output: undefined,
          finishedAt: null,
          childRunId: params.id,
        }),
        child: params,
        events: [{ type: 'step.waiting', at: T0, stepKey: 'sub' }],
      });
      expect(control).toEqual({ pauseRequested: false });
      expect(child).toMatchObject({
        id: params.id,
        status: 'pending',
        input: [1],
        parentRunId: parent.id,
        parentStepKey: 'sub',
        wakeAt: T0,
      });
      expect(await getRun(fx.store, child.id)).toEqual(child);
      expect(await fx.store.listSteps({ runId: parent.id })).toMatchObject([
        { key: 'sub', kind: 'child', status: 'waiting', childRunId: child.id },
      ]);
      expect(await eventTypes(fx.store, parent.id)).toEqual([
        'run.created',
        'run.started',
        'step.waiting',
      ]);
      expect(await eventTypes(fx.store, child.id)).toEqual(['run.created']);
    });

    it("completing the child settles the parent's step with its output and wakes the parent", async () => {
      const { parent, child } = await parentWaitingOnChild(fx.store);
      await fx.store.completeRun({
        runId: child.id,
        fencingToken: child.fencingToken,
        output: { total: 3 },
        now: T0 + 5,
        events: [{ type: 'run.completed', at: T0 + 5 }],
      });
      expect(await getRun(fx.store, child.id)).toMatchObject({
        status: 'completed',
        output: { total: 3 },
        finishedAt: T0 + 5,
        wakeAt: null,
        leaseOwner: null,
        leaseExpiresAt: null,
      });
      expect(await fx.store.listSteps({ runId: parent.id })).toMatchObject([
        { key: 'sub', status: 'completed', output: { total: 3 }, error: null, finishedAt: T0 + 5 },
      ]);
      const ended = (await fx.store.listEvents({ runId: parent.id })).at(-1);
      expect(ended).toMatchObject({
        type: 'step.succeeded',
        stepKey: 'sub',
        attempt: 1,
        at: T0 + 5,
        data: { childRunId: child.id },
      });
      expect(await getRun(fx.store, parent.id)).toMatchObject({
        status: 'pending',
        wakeAt: T0 + 5,
      });
      expect(await claimRun(fx.store, parent, T0 + 5)).toBeDefined();
    });

    it("failing the child fails the parent's step with a ChildWorkflowError", async () => {
      const { parent, child } = await parentWaitingOnChild(fx.store);
      await fx.store.failRun({
        runId: child.id,
        fencingToken: child.fencingToken,
        error: childError,
        now: T0 + 5,
        events: [],
      });
      const [step] = await fx.store.listSteps({ runId: parent.id });
      expect(step).toMatchObject({ status: 'failed', finishedAt: T0 + 5 });
      expect(step?.error).toEqual({
        type: 'ChildWorkflowError',
        code: 'CHILD_FAILED',
        message: `child run ${child.id} (${child.workflowName}) failed: disk full`,
        retryable: false,
        details: { childRunId: child.id },
        cause: childError,
      });
      const ended = (await fx.store.listEvents({ runId: parent.id })).at(-1);
      expect(ended).toMatchObject({
        type: 'step.failed',
        stepKey: 'sub',
        at: T0 + 5,
        data: { childRunId: child.id, error: step?.error, willRetry: false },
      });
      expect(await getRun(fx.store, parent.id)).toMatchObject({
        status: 'pending',
        wakeAt: T0 + 5,
      });
    });

    it("leaves a parent's step that was cancelled as it is when the child ends", async () => {
      const parent = await heldRun(fx.store);
      const child = await startChild(fx.store, parent, 'sub');
      const cancelled = stepRecord(parent.id, 'sub', {
        kind: 'child',
        status: 'cancelled',
        output: undefined,
        error: {
          type: 'StepCancelledError',
          code: 'STEP_CANCELLED',
          message: 'x',
          retryable: false,
        },
        childRunId: child.id,
      });
      await saveHeldStep(fx.store, parent, 'sub', cancelled);
      const heldChild = (await claimRun(fx.store, child, T0 + 1)) as ClaimedRun;
      await completeHeld(fx.store, heldChild, 1, T0 + 2);
      expect(await fx.store.listSteps({ runId: parent.id })).toEqual([cancelled]);
    });

    it('wakes a sleeping parent now but keeps an earlier wake time', async () => {
      const sleeping = await heldRun(fx.store);
      const early = await heldRun(fx.store);
      const children: ClaimedRun[] = [];
      for (const [parent, wakeAt] of [
        [sleeping, T0 + 1000],
        [early, T0 + 2],
      ] as const) {
        const child = await startChild(fx.store, parent, 'sub');
        await parkHeld(fx.store, parent, {
          status: parent === sleeping ? 'sleeping' : 'pending',
          wakeAt,
        });
        children.push((await claimRun(fx.store, child, T0)) as ClaimedRun);
      }
      for (const child of children) {
        await completeHeld(fx.store, child, null, T0 + 10);
      }
      expect(await getRun(fx.store, sleeping.id)).toMatchObject({
        status: 'pending',
        wakeAt: T0 + 10,
      });
      expect(await getRun(fx.store, early.id)).toMatchObject({ status: 'pending', wakeAt: T0 + 2 });
    });

    it('keeps a paused parent paused, and due once resumed', async () => {
      const { parent, child } = await parentWaitingOnChild(fx.store);
      await fx.store.pauseRun({ runId: parent.id, now: T0 + 2 });
      await completeHeld(fx.store, child, 1, T0 + 3);
      expect((await getRun(fx.store, parent.id)).status).toBe('paused');
      expect(await claimRun(fx.store, parent, T0 + 4)).toBeUndefined();
      const resumed = await fx.store.resumeRun({ runId: parent.id, now: T0 + 5 });
      expect(resumed.status).toBe('pending');
      expect(await claimRun(fx.store, parent, T0 + 5)).toBeDefined();
    });

    it('links the existing child when its idempotency key was used', async () => {
      const parent = await heldRun(fx.store);
      const first = await startChild(fx.store, parent, 'a', { idempotencyKey: 'child-key' });
      const second = await startChild(fx.store, parent, 'b', { idempotencyKey: 'child-key' });
      expect(second.id).toBe(first.id);
      expect((await fx.store.listRuns({ parentRunId: parent.id })).runs).toHaveLength(1);
      const steps = await fx.store.listSteps({ runId: parent.id });
      expect(steps.map((s) => [s.key, s.status, s.childRunId])).toEqual([
        ['a', 'waiting', first.id],
        ['b', 'waiting', first.id],
      ]);
    });

    it('settles at once a step linked to a child that already ended', async () => {
      const parent = await heldRun(fx.store);
      const child = await startChild(fx.store, parent, 'a', { idempotencyKey: 'done-key' });
      const heldChild = (await claimRun(fx.store, child, T0)) as ClaimedRun;
      await completeHeld(fx.store, heldChild, 'cached', T0 + 1);
      const linked = await startChild(fx.store, parent, 'b', { idempotencyKey: 'done-key' });
      expect(linked).toMatchObject({ id: child.id, status: 'completed' });
      const steps = await fx.store.listSteps({ runId: parent.id });
      expect(steps.find((s) => s.key === 'b')).toMatchObject({
        status: 'completed',
        output: 'cached',
        childRunId: child.id,
      });
    });
  });
}
