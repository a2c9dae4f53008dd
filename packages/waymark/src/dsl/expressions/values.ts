/**
 * Conversion between JSON values and CEL values.
 *
 * The int/double decision: CEL keeps `int` (BigInt in cel-js) and `double` (JS number) apart
 * and has no `3.0 * 2` overload, while JSON has one number type. Going in, a JS number that is
 * an integer within ±2^53 becomes a CEL int, unless the declaration says `double`; so a step
 * output `{ "n": 3 }` makes `steps.count.output.n * 2` an int 6 and `inputs.count + 1` works for
 * an integer input. Other numbers stay doubles, and mixed `int`/`double` arithmetic promotes to
 * double (registered in environment.ts), so `output.ratio * 1.5` works whether ratio arrived
 * as 2 or 2.5. Coming out, a CEL int becomes a JS number; one beyond ±2^53 is an error rather
 * than a silently rounded number, and NaN/Infinity (from `1.0 / 0.0`) are errors too.
 *
 * Both directions walk values with an explicit stack (never recursion), so a 10,000-deep
 * nested input neither overflows the stack nor escapes the limits. Objects going in become Maps,
 * so `constructor` or `__proto__` only find keys the data really has.
 */
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import { WaymarkError } from '../../core/errors.ts';
import { EXPRESSION_LIMITS } from './limits.ts';

/** How numbers inside a value are read: `double` keeps every number a double. */
export type NumberMode = 'int-if-integral' | 'double';

type Container = unknown[] | Record<string, unknown> | Map<string, unknown>;
type Task = { from: unknown; into: Container; key: string | number; depth: number };

/** A JSON-like value as cel-js should see it. Throws on functions, symbols and class instances. */
export function toCelValue(value: unknown, mode: NumberMode = 'int-if-integral'): unknown {
  const root: unknown[] = [undefined];
  const stack: Task[] = [{ from: value, into: root, key: 0, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { from, into, key, depth } = stack.pop() as Task;
    if (++nodes > EXPRESSION_LIMITS.maxValueNodes) {
      throw limitError(`a value in scope has more than ${EXPRESSION_LIMITS.maxValueNodes} parts`);
    }
    if (depth > EXPRESSION_LIMITS.maxValueDepth) {
      throw limitError(
        `a value in scope nests deeper than ${EXPRESSION_LIMITS.maxValueDepth} levels`,
      );
    }
    const converted = convertIn(from, mode);
    setOwn(into, key, converted);
    if (Array.isArray(from)) {
      for (let i = from.length - 1; i >= 0; i--) {
        stack.push({
          from: from[i] as unknown,
          into: converted as unknown[],
          key: i,
          depth: depth + 1,
        });
      }
    } else if (isPlainObject(from)) {
      // Pushed in reverse so keys are set, and so appear, in their original order.
      for (const k of Object.keys(from).reverse()) {
        if (from[k] === undefined) continue;
        stack.push({
          from: from[k],
          into: converted as Map<string, unknown>,
          key: k,
          depth: depth + 1,
        });
      }
    }
  }
  return root[0];
}

function convertIn(value: unknown, mode: NumberMode): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return value;
    case 'number':
      return mode === 'int-if-integral' && Number.isSafeInteger(value) ? BigInt(value) : value;
    case 'undefined':
      return null;
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value)) return new Array<unknown>(value.length).fill(null);
      // A Map, not an object: cel-js reads `value.constructor` to tell a map from a message,
      // which a data key named "constructor" would answer.
      if (isPlainObject(value)) return new Map<string, unknown>();
      if (value instanceof Date) return value.toISOString();
      break;
  }
  throw new WaymarkError(
    'EXPRESSION',
    `a value of type ${describe(value)} cannot be used in an expression (only JSON values can)`,
  );
}

/** A CEL result as a plain JSON value: no BigInt, no Map, no typed wrappers. */
export function fromCelValue(value: unknown): unknown {
  const root: unknown[] = [undefined];
  const stack: Task[] = [{ from: value, into: root, key: 0, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { from, into, key } = stack.pop() as Task;
    if (++nodes > EXPRESSION_LIMITS.maxValueNodes) {
      throw limitError(`the result has more than ${EXPRESSION_LIMITS.maxValueNodes} parts`);
    }
    if (from instanceof Map) {
      const out: Record<string, unknown> = {};
      setOwn(into, key, out);
      const entries = [...(from as Map<unknown, unknown>)].reverse();
      for (const [k, v] of entries) stack.push({ from: v, into: out, key: String(k), depth: 0 });
    } else if (Array.isArray(from) || from instanceof Set) {
      const items = [...(from as Iterable<unknown>)];
      const out = new Array<unknown>(items.length).fill(null);
      setOwn(into, key, out);
      for (let i = items.length - 1; i >= 0; i--)
        stack.push({ from: items[i], into: out, key: i, depth: 0 });
    } else if (isPlainObject(from)) {
      const out: Record<string, unknown> = {};
      setOwn(into, key, out);
      for (const k of Object.keys(from).reverse())
        stack.push({ from: from[k], into: out, key: k, depth: 0 });
    } else {
      setOwn(into, key, convertOut(from));
    }
  }
  return root[0];
}

function convertOut(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'bigint':
      return intToNumber(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new WaymarkError('EXPRESSION', `the result ${value} is not a finite number`);
      }
      return value;
    case 'undefined':
      return null;
    case 'object':
      if (value === null) return null;
      if (value instanceof UnsignedInt) return intToNumber(value.value);
      if (value instanceof Date) return value.toISOString();
      if (value instanceof Duration) return `${Number(value.seconds) + value.nanos / 1e9}s`;
      if (value instanceof Uint8Array) {
        throw new WaymarkError(
          'EXPRESSION',
          'a bytes result cannot be handed back; convert it with .string() or .base64()',
        );
      }
      break;
  }
  throw new WaymarkError('EXPRESSION', `a result of type ${describe(value)} cannot be handed back`);
}

function intToNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new WaymarkError(
      'EXPRESSION',
      `the integer result ${value} is beyond ±2^53 and cannot be represented exactly as a JSON number`,
    );
  }
  return Number(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Sets an own data property, so a key named `__proto__` stays a key. */
function setOwn(into: Container, key: string | number, value: unknown): void {
  if (into instanceof Map) {
    into.set(String(key), value);
    return;
  }
  Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
}

function describe(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value;
  const ctor: unknown = (value as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'object';
}

export function limitError(message: string): WaymarkError {
  return new WaymarkError('EXPRESSION', `expression limit exceeded: ${message}`);
}
