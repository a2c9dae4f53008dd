import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  NonRetryableError,
  ValidationError,
  WaymarkError,
  defineWorkflow,
} from '../../src/index.ts';
import { openSqliteStore, type SqliteStore } from '../../src/storage/sqlite/index.ts';
import { type TestEngine, createTestEngine } from '../../src/testing/test-engine.ts';
import { databaseText } from '../storage/database-text.ts';

const API_KEY = 'key-7d1c0e55aa90';

let t: TestEngine | undefined;
let store: SqliteStore | undefined;
let dir: string | undefined;
afterEach(async () => {
  await t?.close();
  await store?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  t = store = dir = undefined;
});

describe('secrets in code workflows', () => {
  it('ctx.secret gives the value; outputs, errors, child inputs and events store it masked', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'waymark-secrets-'));
    const dbPath = path.join(dir, 'secrets.db');
    store = await openSqliteStore({ path: dbPath });
    const child = defineWorkflow({ name: 'child' }, async (ctx, input: { auth: string }) =>
      ctx.step('use', () => `child got ${input.auth}`),
    );
    const seenByStep: boolean[] = [];
    const wf = defineWorkflow({ name: 'uses-key', secrets: ['API_KEY'] }, async (ctx) => {
      const key = ctx.secret('API_KEY') as string;
      const header = await ctx.step('header', () => {
        seenByStep.push(key === API_KEY);
        return { authorization: `Bearer ${key}`, [key]: 'as a key' };
      });
      const failure = await ctx
        .step('call', { retry: { maxAttempts: 1 } }, () => {
          throw new WaymarkError('HTTP_401', `rejected ${key}`, {
            details: { sent: header.authorization, raw: key },
            cause: new Error(`server echoed ${key}`),
          });
        })
        .catch((error: unknown) => error as WaymarkError);
      const fromChild = await ctx.run(child, { auth: key });
      await ctx.sleep('nap', '1m'); // the rest runs on a replay
      const after = await ctx.step('after', () => `after ${key}`);
      return { header, message: failure.message, fromChild, after };
    });
    t = await createTestEngine({ workflows: [wf, child], store, secrets: { API_KEY } });
    const announced: string[] = [];
    t.engine.on((event) => announced.push(JSON.stringify(event)));

    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('1m');
    await t.waitForStatus(run.id, 'completed');
    // The step received the real value; what it returned is recorded, and returned, masked —
    // on the first run and on the replay after the sleep alike.
    expect(seenByStep).toEqual([true]);
    expect(await run.result()).toEqual({
      header: { authorization: 'Bearer ***', '***': 'as a key' },
      message: 'rejected ***',
      fromChild: 'child got ***',
      after: 'after ***',
    });
    const call = (await t.engine.steps(run.id)).find((s) => s.key === 'call');
    expect(call?.error).toMatchObject({
      message: 'rejected ***',
      details: { sent: 'Bearer ***', raw: '***' },
      cause: { message: 'server echoed ***' },
    });
    expect(call?.error?.stack).toContain('rejected ***');
    expect(announced.join('\n')).not.toContain(API_KEY);

    await t.close();
    await store.close();
    t = store = undefined;
    const { rows, raw } = databaseText(dbPath);
    expect(rows).toContain('child got ***');
    expect(rows).not.toContain(API_KEY);
    expect(raw).not.toContain(API_KEY);
  });

  it('the first run sees what the replay sees: step and group results come back masked', async () => {
    const seen: string[][] = [];
    const wf = defineWorkflow({ name: 'sees-masked', secrets: ['API_KEY'] }, async (ctx) => {
      const key = ctx.secret('API_KEY') as string;
      const output = await ctx.step('out', () => `got ${key}`);
      const stepError = await ctx
        .step('bad', { retry: { maxAttempts: 1 } }, () => {
          throw new NonRetryableError(`step ${key}`);
        })
        .catch((error: unknown) => (error as Error).message);
      const groupError = await ctx
        .group('g', { retry: { maxAttempts: 1 } }, async () => {
          throw new NonRetryableError(`group ${key}`);
        })
        .catch((error: unknown) => (error as Error).message);
      seen.push([output, stepError, groupError]);
      await ctx.sleep('nap', '1m'); // the workflow function runs again on the replay
      return null;
    });
    t = await createTestEngine({ workflows: [wf], secrets: { API_KEY } });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('1m');
    await t.waitForStatus(run.id, 'completed');
    const masked = ['got ***', 'step ***', 'group ***'];
    expect(seen).toEqual([masked, masked]);
  });

  it('masks a failed run’s error and an input that carries a declared secret', async () => {
    const wf = defineWorkflow(
      { name: 'fails', secrets: ['API_KEY'] },
      async (ctx, input: { note: string }) => {
        await ctx.step('noop', () => input.note);
        throw new NonRetryableError(`bad key ${ctx.secret('API_KEY') ?? ''}`);
      },
    );
    t = await createTestEngine({ workflows: [wf], secrets: { API_KEY } });
    const run = await t.engine.start(wf, { note: `pasted ${API_KEY} by mistake` });
    await t.waitForStatus(run.id, 'failed');
    const record = await t.engine.getRun(run.id);
    expect(record?.input).toEqual({ note: 'pasted *** by mistake' });
    expect(record?.error).toMatchObject({ message: 'bad key ***' });
    expect(JSON.stringify([record, await t.engine.history(run.id)])).not.toContain(API_KEY);
  });

  it('masks an undeclared secret from the moment ctx.secret reads it (declaring masks from the start)', async () => {
    const wf = defineWorkflow({ name: 'undeclared' }, async (ctx) => {
      await ctx.step('early', () => 'extra-secret-1');
      const value = ctx.secret('EXTRA');
      await ctx.step('late', () => `late ${value ?? ''}`);
      return { missing: ctx.secret('MISSING') ?? null };
    });
    t = await createTestEngine({ workflows: [wf], secrets: { EXTRA: 'extra-secret-1' } });
    const run = await t.engine.start(wf, null);
    expect(await run.result()).toEqual({ missing: null });
    const steps = await t.engine.steps(run.id);
    expect(steps.map((s) => [s.key, s.output])).toEqual([
      ['early', 'extra-secret-1'],
      ['late', 'late ***'],
    ]);
  });

  it('leaves values under 3 characters unmasked and rejects bad declarations', async () => {
    const wf = defineWorkflow({ name: 'short', secrets: ['PIN'] }, async (ctx) =>
      ctx.step('show', () => `pin ${ctx.secret('PIN') ?? ''}`),
    );
    t = await createTestEngine({ workflows: [wf], secrets: { PIN: '42' } });
    expect(await (await t.engine.start(wf, null)).result()).toBe('pin 42');
    expect(() =>
      defineWorkflow({ name: 'bad', secrets: [''] as string[] }, async () => null),
    ).toThrow(ValidationError);
  });
});
