import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../core/run.ts';
import type { Store } from '../../core/store.ts';
import {
  T0,
  completeHeld,
  createRun,
  expectLeaseLost,
  heldRun,
  runParams,
  saveHeldStep,
  startChild,
  stepRecord,
  type StoreFixture,
} from './fixtures.ts';

async function createRuns(store: Store, count: number, workflowName = 'bulk') {
  const runs: RunRecord[] = [];
  // One after another: ids are UUIDv7, so creation order is id order.
  for (let i = 0; i < count; i++) runs.push(await createRun(store, { workflowName }));
  return runs;
}

export function describeListRuns(fx: StoreFixture): void {
  describe('listRuns', () => {
    it('lists newest first and pages with the cursor', async () => {
      const runs = await createRuns(fx.store, 7);
      const newestFirst = runs.map((r) => r.id).reverse();
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { runs: RunRecord[]; nextCursor: string | null } = await fx.store.listRuns({
          limit: 3,
          cursor,
        });
        seen.push(...page.runs.map((r) => r.id));
        cursor = page.nextCursor;
        pages++;
        if (cursor !== null) expect(cursor).toBe(page.runs.at(-1)?.id);
      } while (cursor !== null);
      expect(seen).toEqual(newestFirst);
      expect(pages).toBe(3);
    });

    it('returns no cursor when the page holds the last run', async () => {
      await createRuns(fx.store, 3);
      expect((await fx.store.listRuns({ limit: 3 })).nextCursor).toBeNull();
    });

    it('defaults to 50 runs per page and caps the limit at 1000', async () => {
      await Promise.all(Array.from({ length: 1001 }, () => fx.store.createRun(runParams())));
      const byDefault = await fx.store.listRuns({});
      expect(byDefault.runs).toHaveLength(50);
      expect(byDefault.nextCursor).not.toBeNull();
      const capped = await fx.store.listRuns({ limit: 5000 });
      expect(capped.runs).toHaveLength(1000);
      expect(capped.nextCursor).not.toBeNull();
    });

    it('filters by status, workflow and parent', async () => {
      const [a1, a2] = await createRuns(fx.store, 2, 'a');
      const parent = await heldRun(fx.store, { workflowName: 'b' });
      const child = await startChild(fx.store, parent, 'sub', { workflowName: 'a' });
      const ids = async (params: Parameters<Store['listRuns']>[0]) =>
        (await fx.store.listRuns(params)).runs.map((r) => r.id);
      expect(await ids({ workflow: 'a' })).toEqual([child.id, a2?.id, a1?.id]);
      expect(await ids({ status: 'running' })).toEqual([parent.id]);
      expect(await ids({ status: ['running', 'pending'], workflow: 'b' })).toEqual([parent.id]);
      expect(await ids({ status: ['completed'] })).toEqual([]);
      expect(await ids({ parentRunId: parent.id })).toEqual([child.id]);
      expect(await ids({ parentRunId: parent.id, status: 'running' })).toEqual([]);
    });
  });

  describe('listEndedRuns', () => {
    it('returns, of the ids given, the runs that ended, as stored', async () => {
      const completed = await heldRun(fx.store);
      await completeHeld(fx.store, completed, { ok: true });
      const failed = await heldRun(fx.store);
      const error = { type: 'Error', code: 'BOOM', message: 'no', retryable: false };
      await fx.store.failRun({
        runId: failed.id,
        fencingToken: failed.fencingToken,
        error,
        now: T0,
        events: [],
      });
      const cancelled = await createRun(fx.store);
      await fx.store.cancelRun({ runId: cancelled.id, now: T0 });
      const running = await heldRun(fx.store);
      const pending = await createRun(fx.store);
      const ended = await fx.store.listEndedRuns({
        runIds: [completed.id, failed.id, cancelled.id, running.id, pending.id, 'no-such-run'],
      });
      const byId = new Map(ended.map((r) => [r.id, r]));
      expect([...byId.keys()].sort()).toEqual([completed.id, failed.id, cancelled.id].sort());
      for (const run of ended) expect(run).toEqual(await fx.store.getRun({ runId: run.id }));
      expect(byId.get(completed.id)).toMatchObject({ status: 'completed', output: { ok: true } });
      expect(byId.get(failed.id)).toMatchObject({ status: 'failed', error: { code: 'BOOM' } });
      expect(await fx.store.listEndedRuns({ runIds: [] })).toEqual([]);
    });

    it('refuses more than 1000 ids at once', async () => {
      const runIds = Array.from({ length: 1001 }, (_, i) => `run-${i}`);
      await expect(fx.store.listEndedRuns({ runIds })).rejects.toMatchObject({
        code: 'VALIDATION',
      });
      expect(await fx.store.listEndedRuns({ runIds: runIds.slice(1) })).toEqual([]);
    });
  });
}

export function describeListEvents(fx: StoreFixture): void {
  describe('listEvents', () => {
    it('lists a run’s events in order, after a sequence number, up to a limit', async () => {
      const run = await createRun(fx.store, { events: [] });
      const other = await createRun(fx.store, { events: [] });
      for (let i = 0; i < 5; i++) {
        await fx.store.appendEvents({
          runId: run.id,
          events: [{ type: 'step.recorded', at: T0 + i, data: { i } }],
        });
        await fx.store.appendEvents({ runId: other.id, events: [{ type: 'run.resumed', at: T0 }] });
      }
      const all = await fx.store.listEvents({ runId: run.id });
      expect(all.map((e) => e.data['i'])).toEqual([0, 1, 2, 3, 4]);
      const seqs = all.map((e) => e.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(5);
      const after = await fx.store.listEvents({ runId: run.id, afterSeq: seqs[1] as number });
      expect(after.map((e) => e.data['i'])).toEqual([2, 3, 4]);
      const limited = await fx.store.listEvents({
        runId: run.id,
        afterSeq: seqs[1] as number,
        limit: 2,
      });
      expect(limited.map((e) => e.data['i'])).toEqual([2, 3]);
    });

    it('keeps event fields, with defaults for the omitted ones', async () => {
      const run = await createRun(fx.store, { events: [] });
      await fx.store.appendEvents({
        runId: run.id,
        events: [
          {
            type: 'step.failed',
            at: T0 + 3,
            stepKey: 'fetch#2',
            attempt: 2,
            durationMs: 41,
            data: { message: 'attempt 2 of 5', nested: { a: [1] } },
          },
          { type: 'run.started', at: T0 + 4 },
        ],
      });
      const [full, bare] = await fx.store.listEvents({ runId: run.id });
      expect(full).toMatchObject({
        runId: run.id,
        type: 'step.failed',
        at: T0 + 3,
        stepKey: 'fetch#2',
        attempt: 2,
        durationMs: 41,
        data: { message: 'attempt 2 of 5', nested: { a: [1] } },
      });
      expect(bare).toMatchObject({
        type: 'run.started',
        stepKey: null,
        attempt: null,
        durationMs: null,
        data: {},
      });
    });
  });
}

export function describeConcurrentWrites(fx: StoreFixture): void {
  describe('concurrent writes', () => {
    it('commits every write issued at once', async () => {
      const runs = await Promise.all(Array.from({ length: 4 }, () => heldRun(fx.store)));
      const writes = runs.flatMap((run) =>
        Array.from({ length: 50 }, (_, i) =>
          fx.store.saveStep({
            runId: run.id,
            fencingToken: run.fencingToken,
            step: stepRecord(run.id, `s#${i}`, { output: i }),
            now: T0,
            events: [{ type: 'step.succeeded', at: T0, stepKey: `s#${i}` }],
          }),
        ),
      );
      await Promise.all(writes);
      for (const run of runs) {
        expect(await fx.store.listSteps({ runId: run.id })).toHaveLength(50);
        // run.created, run.started and one event per step.
        expect(await fx.store.listEvents({ runId: run.id })).toHaveLength(52);
      }
    });

    it('lists steps in the order they were first recorded, even within one millisecond', async () => {
      const run = await heldRun(fx.store);
      const save = (key: string, status: 'running' | 'completed') =>
        saveHeldStep(fx.store, run, key, { status, startedAt: T0 });
      await save('zeta', 'running');
      await save('alpha', 'completed');
      await save('mid', 'completed');
      await save('zeta', 'completed'); // an update keeps the step's place
      expect((await fx.store.listSteps({ runId: run.id })).map((s) => s.key)).toEqual([
        'zeta',
        'alpha',
        'mid',
      ]);
    });

    it('rejects only the stale write among concurrent ones', async () => {
      const good = await heldRun(fx.store);
      const stale = await heldRun(fx.store);
      const save = (id: string, fencingToken: number, key: string) =>
        saveHeldStep(fx.store, { id, fencingToken }, key);
      const results = await Promise.allSettled([
        save(good.id, good.fencingToken, 'a'),
        save(stale.id, stale.fencingToken + 1, 'x'),
        save(good.id, good.fencingToken, 'b'),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      await expectLeaseLost(Promise.reject((results[1] as PromiseRejectedResult).reason));
      expect((await fx.store.listSteps({ runId: good.id })).map((s) => s.key)).toEqual(['a', 'b']);
      expect(await fx.store.listSteps({ runId: stale.id })).toEqual([]);
    });
  });
}
