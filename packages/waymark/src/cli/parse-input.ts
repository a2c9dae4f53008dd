import { UsageError } from './cli-error.ts';

type JsonObject = Record<string, unknown>;

// Keys that would reach Object.prototype through a plain-object assignment.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Builds a run's input from `--input key=value` pairs and `--input-json`.
 * - A value is parsed as JSON when it parses (`3`, `true`, `null`, `{"a":1}`, `"007"`), and is
 *   kept as a string otherwise (`world`, `007x`).
 * - A dotted key makes nested objects: `a.b=1` → `{ a: { b: 1 } }`.
 * - `--input-json` gives a whole value; pairs are merged into it and win.
 * - With neither, the input is `{}`, so a schema reports every missing field.
 *
 * @example
 * parseInput(['name=Ada', 'retries=3', 'opts.dry=true'])
 * // → { name: 'Ada', retries: 3, opts: { dry: true } }
 */
export function parseInput(pairs: readonly string[], json?: string): unknown {
  const fromPairs = parsePairs(pairs);
  if (json === undefined) return fromPairs;
  const base = parseJsonOption(json);
  if (pairs.length === 0) return base;
  if (!isPlainObject(base)) {
    throw new UsageError('--input-json must be a JSON object when combined with --input key=value');
  }
  return mergeObjects(base, fromPairs);
}

function parsePairs(pairs: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new UsageError(`invalid --input ${JSON.stringify(pair)}: expected key=value`);
    }
    const path = parseKey(pair.slice(0, eq), pair);
    setPath(out, path, parseValue(pair.slice(eq + 1)), pair);
  }
  return out;
}

function parseKey(key: string, pair: string): string[] {
  const path = key.split('.');
  for (const segment of path) {
    if (segment === '') {
      throw new UsageError(
        `invalid --input ${JSON.stringify(pair)}: empty segment in key "${key}"`,
      );
    }
    if (FORBIDDEN_KEYS.has(segment)) {
      throw new UsageError(
        `invalid --input ${JSON.stringify(pair)}: "${segment}" is not allowed as a key`,
      );
    }
  }
  return path;
}

/** JSON when it parses, else the raw text. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function setPath(target: JsonObject, path: string[], value: unknown, pair: string): void {
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i] as string;
    const next = node[segment];
    if (next === undefined) {
      const child: JsonObject = {};
      node[segment] = child;
      node = child;
    } else if (isPlainObject(next)) {
      node = next;
    } else {
      throw new UsageError(
        `invalid --input ${JSON.stringify(pair)}: "${path.slice(0, i + 1).join('.')}" is already set to a value that is not an object`,
      );
    }
  }
  const last = path[path.length - 1] as string;
  if (isPlainObject(node[last]) && path.length > 0 && !isPlainObject(value)) {
    throw new UsageError(
      `invalid --input ${JSON.stringify(pair)}: "${path.join('.')}" already has nested keys`,
    );
  }
  // A later pair for the same key replaces the earlier value, as with most CLIs.
  node[last] = value;
}

function parseJsonOption(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    throw new UsageError(`invalid --input-json: ${(error as Error).message}`);
  }
}

function mergeObjects(base: JsonObject, override: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] =
      isPlainObject(current) && isPlainObject(value) ? mergeObjects(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
