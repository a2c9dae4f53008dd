/**
 * The executors every workflow can use: log, set, fail, noop (and shell, http, module in their
 * files, and the coding agents in agent/).
 */
import { z } from 'zod';
import { NonRetryableError } from '../core/errors.ts';
import { defineExecutor, type Executor, type ExecutorContext } from './executor.ts';
import { agentExecutors, type AgentExecutorOptions } from './agent/index.ts';
import { createHttpExecutor, type HttpExecutorOptions } from './http/http.ts';
import { createModuleExecutor, type ModuleExecutorOptions } from './module/module-executor.ts';
import { createShellExecutor, type ShellExecutorOptions } from './shell.ts';

const text = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export interface LogExecutorOptions {
  /**
   * Receives each message live; the message is also the step's output. The recorded output is
   * masked (secrets as `***`), this live copy is not: mask it (`SecretMasker`) before it leaves
   * the process.
   */
  onMessage?: (message: string, ctx: ExecutorContext) => void;
}

/** `uses: log` with `message`: a `step.log` line in the history; output `{ message }`. */
export function createLogExecutor(options: LogExecutorOptions = {}): Executor {
  return defineExecutor({
    name: 'log',
    withSchema: z.object({ message: text }).strict(),
    run: async ({ message }, ctx) => {
      ctx.logger.info(message);
      options.onMessage?.(message, ctx);
      return { output: { message } };
    },
  });
}

/** `uses: set` with a map of variables: assigns `vars.<name>`; the output is the map. */
export const setExecutor: Executor = defineExecutor({
  name: 'set',
  withSchema: z.record(z.string(), z.unknown()),
  run: async (assignments) => ({ output: assignments, vars: assignments }),
});

/** `uses: fail` with `message`: fails the step at once, without retries. */
export const failExecutor: Executor = defineExecutor({
  name: 'fail',
  withSchema: z.object({ message: text }).strict(),
  run: async ({ message }) => {
    throw new NonRetryableError(message);
  },
});

/** `uses: noop`: does nothing (a placeholder, or a step that only has `outputs`). */
export const noopExecutor: Executor = defineExecutor({
  name: 'noop',
  withSchema: z.object({}).strict().optional(),
  run: async () => ({}),
});

export interface BuiltinExecutorOptions {
  log?: LogExecutorOptions;
  shell?: ShellExecutorOptions;
  http?: HttpExecutorOptions;
  module?: ModuleExecutorOptions;
  /** Claude Code, Codex, Gemini CLI and Grok (`claude-code`, `codex`, `gemini`, `grok`). */
  agents?: AgentExecutorOptions;
}

/** log, set, fail, noop, shell, http, module and the agents. */
export function builtinExecutors(options: BuiltinExecutorOptions = {}): Executor[] {
  return [
    createLogExecutor(options.log),
    setExecutor,
    failExecutor,
    noopExecutor,
    createShellExecutor(options.shell),
    createHttpExecutor(options.http),
    createModuleExecutor(options.module),
    ...agentExecutors(options.agents),
  ];
}
