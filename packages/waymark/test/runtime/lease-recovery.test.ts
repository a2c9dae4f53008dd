/**
 * Leases over time, on the fake clock: the heartbeat keeps a long step's run; runs whose
 * workers keep dying without progress end as dead letters; a worker dying during a retry's
 * backoff loses nothing.
 */
import { describe, expect, it } from 'vitest';
import { testEnginesClosedAfterEach } from '../closed-after-each.ts';
import { until } from '../until.ts';
import { defineWorkflow } from '../../src/index.ts';
import { settle } from '../../src/testing/fake-clock.ts';

const engineOn = testEnginesClosedAfterEach();

describe('leases', () => {
  it('the heartbeat keeps the run of a step five times longer than the lease: no one takes it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const wf = defineWorkflow({ name: 'long-step' }, async (ctx) =>
      ctx.step('long', async () => {
        calls++;
        await gate;
        return 'done';
      }),
    );
    const a = await engineOn({ workflows: [wf], worker: { leaseMs: 1_000, pollMs: 100 } });
    // Another worker on the same database, polling for runs whose lease expired.
    const b = await engineOn({
      workflows: [wf],
      store: a.store,
      clock: a.clock,
      worker: { leaseMs: 1_000, pollMs: 100 },
    });
    const run = await a.engine.start(wf, null);
    await until(() => calls === 1);
    const claimed = await a.store.getRun({ runId: run.id });
    const leaseExpiresAt = async () =>
      (await a.store.getRun({ runId: run.id }))?.leaseExpiresAt ?? 0;
    for (let ms = 0; ms < 5_000; ms += 100) {
      await a.clock.advance(100);
      // Renewed at half the lease, so at least half a lease ahead of the clock once the due
      // heartbeat's write landed (real I/O on PostgreSQL). Waiting only for "ahead of the
      // clock" could pass on the lease before, which the next 100 ms then let b take.
      await until(async () => (await leaseExpiresAt()) >= a.clock.now() + 500);
    }
    const held = await a.store.getRun({ runId: run.id });
    expect(held?.leaseOwner).toBe(claimed?.leaseOwner);
    expect(held?.fencingToken).toBe(claimed?.fencingToken);
    expect(held?.leaseExpiresAt).toBeGreaterThan(a.clock.now());
    release();
    expect(await run.result()).toBe('done');
    expect(calls).toBe(1);
    const history = await b.engine.history(run.id);
    expect(history.some((e) => e.type === 'run.recovered')).toBe(false);
  });

  it('a run whose workers keep dying without progress ends RECOVERY_LIMIT, a dead letter', async () => {
    let calls = 0;
    const wf = defineWorkflow(
      { name: 'doomed', panic: { maxRestarts: 2, restartDelay: 100 } },
      async (ctx) => ctx.step('work', () => ++calls),
    );
    const t = await engineOn({ workflows: [wf], worker: { leaseMs: 1_000 } });
    // Stopped, it only creates the run; three workers in a row claim it and die (no
    // heartbeat, nothing recorded).
    await t.engine.stop();
    const run = await t.engine.start(wf, null);
    for (let i = 0; i < 3; i++) {
      const [claimed] = await t.store.claimRuns({
        workerId: `dies-${i}`,
        now: t.clock.now(),
        leaseMs: 1_000,
        limit: 1,
      });
      expect(claimed?.id).toBe(run.id);
      await t.clock.advance(1_001);
    }
    expect((await t.store.getRun({ runId: run.id }))?.recoveryCount).toBe(2);
    // The next worker's claim is recovery 3 of at most 2: it fails the run, running nothing.
    const last = await engineOn({ workflows: [wf], store: t.store, clock: t.clock });
    await last.clock.advance(100);
    await until(async () => (await last.store.getRun({ runId: run.id }))?.status === 'failed');
    const failed = await last.store.getRun({ runId: run.id });
    expect(failed?.error).toMatchObject({ code: 'RECOVERY_LIMIT' });
    expect(failed?.error?.message).toMatch(
      /recovered 3 times in a row without progress \(limit 2\)/,
    );
    expect(calls).toBe(0);
  });

  it("a worker dying during a retry's backoff loses nothing: the next attempt runs once, when due", async () => {
    let calls = 0;
    const wf = defineWorkflow({ name: 'backoff-crash' }, async (ctx) =>
      ctx.step('call', { retry: { maxAttempts: 3, initialInterval: '10s', jitter: 0 } }, () => {
        calls++;
        if (calls === 1) throw new Error('first try fails');
        return `attempt ${calls}`;
      }),
    );
    const first = await engineOn({ workflows: [wf] });
    const run = await first.engine.start(wf, null);
    await first.waitForStatus(run.id, 'sleeping');
    // The worker goes away mid-backoff; another process takes over the database.
    await first.engine.stop({ graceMs: 0 });
    const second = await engineOn({ workflows: [wf], store: first.store, clock: first.clock });
    await second.clock.advance(9_999);
    await settle(5);
    expect(calls).toBe(1);
    await second.clock.advance(1);
    await until(async () => (await second.store.getRun({ runId: run.id }))?.status === 'completed');
    expect(calls).toBe(2);
    expect((await second.store.getRun({ runId: run.id }))?.output).toBe('attempt 2');
  });

  it('an attempt lost with its worker runs again, and its start says so', async () => {
    let calls = 0;
    const wf = defineWorkflow({ name: 'lost-attempt' }, async (ctx) =>
      ctx.step('work', { retry: { maxAttempts: 1 } }, () => ++calls),
    );
    const t = await engineOn({ workflows: [wf], worker: { leaseMs: 1_000 } });
    await t.engine.stop();
    const run = await t.engine.start(wf, null);
    // A worker claims it, records the attempt's start, and dies.
    const [claimed] = await t.store.claimRuns({
      workerId: 'dies',
      now: t.clock.now(),
      leaseMs: 1_000,
      limit: 1,
    });
    const now = t.clock.now();
    await t.store.saveStep({
      runId: run.id,
      fencingToken: claimed?.fencingToken ?? 0,
      now,
      events: [],
      step: {
        runId: run.id,
        key: 'work',
        name: 'work',
        kind: 'run',
        status: 'running',
        attempt: 1,
        output: undefined,
        error: null,
        startedAt: now,
        finishedAt: null,
        wakeAt: null,
        childRunId: null,
      },
    });
    await t.clock.advance(1_001);
    // The next worker finds the lease expired when it starts.
    const next = await engineOn({ workflows: [wf], store: t.store, clock: t.clock });
    await until(async () => (await next.store.getRun({ runId: run.id }))?.status === 'completed');
    expect(calls).toBe(1);
    const started = (await next.engine.history(run.id)).filter((e) => e.type === 'step.started');
    expect(started.map((e) => [e.attempt, e.data['lostAttempt'], e.data['message']])).toEqual([
      [2, 1, 'attempt 2 of 1 (attempt 1 never finished: its worker stopped or died)'],
    ]);
  });
});
