/**
 * Checking an executor's `with:` arguments against its schema, with each problem at the
 * path of the argument it is about: load-time validation turns the path into
 * file:line:column, a run into `with.<path>` in the step's error.
 */
import type { z } from 'zod';
import type { Executor } from './executor.ts';

export interface ArgumentIssue {
  /** Inside `with` (`['command', 0]`); empty for the arguments as a whole. */
  path: Array<string | number>;
  message: string;
  /** The issue is about the key at `path` (an unknown argument), not its value. */
  atKey?: boolean;
}

export type CheckedArguments<T> = { ok: true; args: T } | { ok: false; issues: ArgumentIssue[] };

export function checkExecutorArgs<T>(executor: Executor<T>, args: unknown): CheckedArguments<T> {
  const parsed = executor.withSchema.safeParse(args);
  if (parsed.success) return { ok: true, args: parsed.data };
  const issues = parsed.error.issues.flatMap((issue): ArgumentIssue[] => {
    const path = issue.path.map((k) => (typeof k === 'number' ? k : String(k)));
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: `unknown argument "${key}" of ${executor.name}`,
        atKey: true,
      }));
    }
    return [{ path, message: messageOf(issue, valueAt(args, path), executor.name) }];
  });
  return { ok: false, issues };
}

/** `with.command.0: expected string; with: give exactly one of …` */
export function formatArgumentIssues(issues: readonly ArgumentIssue[]): string {
  return issues.map((i) => `${['with', ...i.path].join('.')}: ${i.message}`).join('; ');
}

/** Zod's messages, said in the arguments' terms where its own are vague ("Invalid input"). */
function messageOf(issue: z.core.$ZodIssue, value: unknown, executor: string): string {
  const typeIssue = issue.code === 'invalid_type' || issue.code === 'invalid_union';
  const name = issue.path.at(-1);
  if (typeIssue && value === undefined && name !== undefined) {
    return `${executor} needs "${String(name)}"`;
  }
  const expected =
    issue.code === 'invalid_type'
      ? [issue.expected]
      : issue.code === 'invalid_union'
        ? issue.errors.flatMap((branch) =>
            branch.every((i) => i.code === 'invalid_type' && i.path.length === 0)
              ? branch.map((i) => (i as { expected: string }).expected)
              : [],
          )
        : [];
  if (typeIssue && expected.length > 0) {
    const list =
      expected.length === 1
        ? expected[0]
        : `${expected.slice(0, -1).join(', ')} or ${expected.at(-1) ?? ''}`;
    return `expected ${list}, got ${typeName(value)}`;
  }
  return issue.message;
}

function valueAt(args: unknown, path: ReadonlyArray<string | number>): unknown {
  let value = args;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) {
      return undefined;
    }
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : typeof value;
}
