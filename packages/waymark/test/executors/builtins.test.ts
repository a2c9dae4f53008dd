import { describe, expect, it } from 'vitest';
import { NonRetryableError } from '../../src/core/errors.ts';
import { builtinExecutors, createExecutorRegistry } from '../../src/executors/index.ts';
import { fakeContext } from './fake-step.ts';

const ctx = fakeContext();

describe('built-in executors', () => {
  const messages: string[] = [];
  const registry = createExecutorRegistry(
    builtinExecutors({ log: { onMessage: (m) => messages.push(m) } }),
  );
  const call = async (name: string, args: unknown): Promise<unknown> => {
    const executor = registry.get(name)!;
    return executor.run(executor.withSchema.parse(args), ctx);
  };

  it('registers log, set, fail, noop, shell, http, module and the agents', () => {
    expect(registry.names()).toEqual([
      'claude-code',
      'codex',
      'fail',
      'gemini',
      'grok',
      'http',
      'log',
      'module',
      'noop',
      'set',
      'shell',
    ]);
    expect(() => createExecutorRegistry([...builtinExecutors(), ...builtinExecutors()])).toThrow(
      /registered twice/,
    );
  });

  it('log hands the message on and returns it', async () => {
    expect(await call('log', { message: 'hi' })).toEqual({ output: { message: 'hi' } });
    expect(messages).toEqual(['hi']);
  });

  it('set assigns vars', async () => {
    expect(await call('set', { a: 1, b: 'x' })).toEqual({
      output: { a: 1, b: 'x' },
      vars: { a: 1, b: 'x' },
    });
  });

  it('fail throws a NonRetryableError; noop does nothing', async () => {
    await expect(call('fail', { message: 'no' })).rejects.toBeInstanceOf(NonRetryableError);
    expect(await call('noop', {})).toEqual({});
  });
});
