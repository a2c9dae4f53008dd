/**
 * The cel-js Environment for one ScopeDeclaration, and the evaluation context for one
 * ExpressionScope.
 *
 * Each scope root is a registered message type with one field per declared name (`inputs` is a
 * `waymark.Inputs` with fields `version: string`, `n: int`, …). That is what makes cel-js's
 * type checker reject `inputs.typo` or `steps.nope` when the workflow loads, and know that
 * `inputs.n + 1` is an int. `dyn` fields (step outputs of unknown shape) pass any check and are
 * checked when evaluated.
 */
import { Environment } from '@marcbachmann/cel-js';
import { EXPRESSION_LIMITS } from './limits.ts';
import type { ExprType, ExpressionScope, ScopeDeclaration } from './scope.ts';
import { toCelValue, type NumberMode } from './values.ts';

const CEL_TYPES: Record<ExprType, string> = {
  string: 'string',
  int: 'int',
  double: 'double',
  bool: 'bool',
  map: 'map',
  list: 'list',
  dyn: 'dyn',
  null: 'null',
};

const cache = new Map<string, Environment>();
const CACHE_SIZE = 64;

/** The environment for `declaration`; environments are costly to build, so they are cached. */
export function environmentFor(declaration: ScopeDeclaration): Environment {
  const key = JSON.stringify([
    declaration.inputs,
    declaration.vars,
    declaration.steps,
    declaration.secrets,
    declaration.item ?? null,
    declaration.named ?? null,
    declaration.iter === true,
    declaration.stage === true,
  ]);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const env = buildEnvironment(declaration);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, env);
  return env;
}

function buildEnvironment(declaration: ScopeDeclaration): Environment {
  const env = new Environment({
    limits: { maxDepth: EXPRESSION_LIMITS.maxDepth },
    homogeneousAggregateLiterals: false,
  });
  registerMixedArithmetic(env);

  const typed = (fields: Record<string, ExprType>): Record<string, string> =>
    Object.fromEntries(Object.entries(fields).map(([k, t]) => [k, CEL_TYPES[t]]));

  env.registerType('waymark.Inputs', { fields: typed(declaration.inputs) });
  env.registerVariable('inputs', 'waymark.Inputs');
  env.registerType('waymark.Vars', { fields: typed(declaration.vars) });
  env.registerVariable('vars', 'waymark.Vars');

  const stepFields: Record<string, string> = {};
  Object.entries(declaration.steps).forEach(([id, step], i) => {
    const typeName = `waymark.Step${i}`;
    env.registerType(typeName, {
      fields: {
        output: CEL_TYPES[step.output],
        status: 'string',
        error: 'dyn',
        artifacts: CEL_TYPES.list,
      },
    });
    stepFields[id] = typeName;
  });
  env.registerType('waymark.Steps', { fields: stepFields });
  env.registerVariable('steps', 'waymark.Steps');

  const secretFields = Object.fromEntries(declaration.secrets.map((name) => [name, 'string']));
  env.registerType('waymark.Secrets', { fields: secretFields });
  env.registerVariable('secrets', 'waymark.Secrets');
  env.registerType('waymark.Run', { fields: { id: 'string' } });
  env.registerVariable('run', 'waymark.Run');

  if (declaration.item !== undefined) env.registerVariable('item', CEL_TYPES[declaration.item]);
  for (const [name, type] of Object.entries(declaration.named ?? {})) {
    env.registerVariable(name, CEL_TYPES[type]);
  }
  if (declaration.iter === true) {
    env.registerType('waymark.Iter', { fields: { index: 'int' } });
    env.registerVariable('iter', 'waymark.Iter');
  }
  if (declaration.stage === true) {
    env.registerType('waymark.Stage', { fields: { name: 'string', iteration: 'int' } });
    env.registerVariable('stage', 'waymark.Stage');
  }
  return env;
}

/** CEL has no int/double mixed arithmetic; JSON users expect `2 * 1.5` to be 3. */
function registerMixedArithmetic(env: Environment): void {
  const ops: Record<string, (a: number, b: number) => number> = {
    '+': (a, b) => a + b,
    '-': (a, b) => a - b,
    '*': (a, b) => a * b,
    '/': (a, b) => a / b,
  };
  for (const [op, apply] of Object.entries(ops)) {
    env.registerOperator(`int ${op} double: double`, (a: bigint, b: number) => apply(Number(a), b));
    env.registerOperator(`double ${op} int: double`, (a: number, b: bigint) => apply(a, Number(b)));
  }
}

/**
 * The context cel-js evaluates against. Declared names only, each converted on first access
 * (a step output nobody reads is never walked), on objects without a prototype.
 */
export function celContext(
  scope: ExpressionScope,
  declaration: ScopeDeclaration,
): Record<string, unknown> {
  const context = Object.create(null) as Record<string, unknown>;
  context.inputs = lazyFields(scope.inputs, declaration.inputs);
  context.vars = lazyFields(scope.vars, declaration.vars);

  const steps = rootObject();
  for (const [id, step] of Object.entries(declaration.steps)) {
    defineLazy(steps, id, () => {
      const value = own(scope.steps, id) as ExpressionScope['steps'][string] | undefined;
      if (value === undefined) return undefined;
      const fields = rootObject();
      fields.output = toCelValue(value.output ?? null, modeOf(step.output));
      fields.status = value.status;
      fields.error = toCelValue(value.error ?? null);
      fields.artifacts = toCelValue(value.artifacts ?? []);
      return fields;
    });
  }
  context.steps = steps;

  const secrets = rootObject();
  for (const name of declaration.secrets) {
    const value = own(scope.secrets, name);
    if (typeof value === 'string' && !Object.hasOwn(secrets, name)) secrets[name] = value;
  }
  context.secrets = secrets;
  context.run = Object.assign(rootObject(), { id: scope.run.id });

  if (declaration.item !== undefined && scope.item !== undefined) {
    defineLazy(context, 'item', () => toCelValue(scope.item, modeOf(declaration.item ?? 'dyn')));
  }
  for (const [name, type] of Object.entries(declaration.named ?? {})) {
    const value = scope.named === undefined ? undefined : own(scope.named, name);
    if (value !== undefined) defineLazy(context, name, () => toCelValue(value, modeOf(type)));
  }
  if (declaration.iter === true && scope.iter !== undefined) {
    context.iter = Object.assign(rootObject(), {
      index: BigInt(scope.iter.index),
    });
  }
  if (declaration.stage === true && scope.stage !== undefined) {
    context.stage = Object.assign(rootObject(), {
      name: scope.stage.name,
      iteration: BigInt(scope.stage.iteration),
    });
  }
  return context;
}

function lazyFields(
  values: Record<string, unknown>,
  types: Record<string, ExprType>,
): Record<string, unknown> {
  const out = rootObject();
  for (const [name, type] of Object.entries(types)) {
    defineLazy(out, name, () => {
      const value = own(values, name);
      return value === undefined ? undefined : toCelValue(value, modeOf(type));
    });
  }
  return out;
}

/**
 * A scope root. cel-js tells maps from messages by `value.constructor`, so it must be undefined
 * here; a name declared as `constructor` therefore cannot be read (no workflow needs one).
 */
function rootObject(): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  Object.defineProperty(out, 'constructor', { value: undefined, enumerable: false });
  return out;
}

function defineLazy(target: object, key: string, compute: () => unknown): void {
  if (Object.hasOwn(target, key)) return;
  let done = false;
  let value: unknown;
  Object.defineProperty(target, key, {
    enumerable: true,
    get: () => {
      if (!done) [value, done] = [compute(), true];
      return value;
    },
  });
}

function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function modeOf(type: ExprType): NumberMode {
  return type === 'double' ? 'double' : 'int-if-integral';
}

/** Words that read as something else in CEL: literals and the `in` operator. */
const CEL_WORDS: ReadonlySet<string> = new Set(['true', 'false', 'null', 'in']);

/**
 * Whether `name` (an identifier) can name a value in expressions: not a CEL literal, keyword,
 * reserved word or type name (`int`, `map`, `type`, …), which cel-js keeps for itself.
 */
export function isDeclarableName(name: string): boolean {
  if (CEL_WORDS.has(name)) return false;
  try {
    new Environment().registerVariable(name, 'dyn');
    return true;
  } catch {
    return false;
  }
}
