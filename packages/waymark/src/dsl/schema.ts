/**
 * The zod schemas of the workflow language. Nested step lists are a parameter, so the same
 * definitions serve twice: with `z.array(z.unknown())` the shape checker validates one step
 * at a time (it picks the step's kind itself, to report a typo as one message instead of a
 * dump of every alternative of a union), and with the recursive step union they describe the
 * whole language for `workflowJsonSchema()`.
 */
import { z } from 'zod';
import { isDuration } from '../core/durations.ts';
import { AGENT_PERMISSIONS } from '../executors/agent/agent-args.ts';

/** Names expressions use as `steps.<id>`, `vars.<name>`: CEL identifiers. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Workflow ids appear in URLs and file names (`{id}.workflow.yaml`). */
export const WORKFLOW_ID = /^[a-z0-9][a-z0-9_-]*$/;
/** Environment variable names. */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const INPUT_TYPES = [
  'string',
  'number',
  'integer',
  'boolean',
  'object',
  'array',
  'enum',
] as const;
export const ON_FAILURE = ['stop', 'continue', 'retry'] as const;
export const STAGE_MODES = ['sequential', 'parallel'] as const;

/** The key that gives a step its kind; a step has exactly one. */
export const STEP_KINDS = [
  'uses',
  'steps',
  'parallel',
  'foreach',
  'switch',
  'run',
  'wait',
  'loop',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

const EXPRESSION_HINT = 'an expression like "${ inputs.ready }", or true/false';

const isExpression = (value: string): boolean => value.includes('${');

export const durationSchema = z
  .union([z.number(), z.string()], {
    error: 'expected a duration: ms, or text like "30s", "5m", "1h30m"',
  })
  .refine(isDuration, { error: 'not a duration: use ms, or text like "30s", "5m", "1h30m"' })
  .meta({ description: 'Milliseconds, or text like "500ms", "30s", "5m", "1h30m", "2d".' });

const durationOrExpression = z
  .union([z.number(), z.string()], { error: 'expected a duration or an expression' })
  .refine((v) => (typeof v === 'string' && isExpression(v)) || isDuration(v), {
    error: 'not a duration: use ms, text like "5m", or an expression "${ … }"',
  });

/** A condition: an expression that must be a bool, or a literal true/false. */
export const conditionSchema = z.union([z.string(), z.boolean()], {
  error: `expected ${EXPRESSION_HINT}`,
});

const identifier = (what: string): z.ZodString =>
  z.string({ error: `${what} must be text` }).regex(IDENTIFIER, {
    error: `${what} must start with a letter or _ and contain only letters, digits and _`,
  });

const positiveInt = (what: string): z.ZodInt =>
  z.int({
    error: (issue) =>
      issue.input === undefined ? `missing "${what}"` : `${what} must be a whole number`,
  });

export const backoffSchema = z.strictObject({
  initial: durationSchema.optional(),
  factor: z.number().min(1).optional(),
  max: durationSchema.optional(),
  jitter: z.number().min(0).max(1).optional(),
});

export const retrySchema = z.strictObject({
  max_attempts: positiveInt('max_attempts').min(1),
  backoff: backoffSchema.optional(),
});

const inputValue = z.union([z.string(), z.number(), z.boolean()]);

export const inputSpecSchema = z
  .strictObject({
    type: z.enum(INPUT_TYPES),
    values: z.array(inputValue).min(1).optional(),
    default: z.unknown().optional(),
    required: z.boolean().optional(),
    description: z.string().optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.type === 'enum' && spec.values === undefined) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: 'an enum input needs "values"' });
    }
    if (spec.type !== 'enum' && spec.values !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `"values" is only for enum inputs, not ${spec.type}`,
      });
    }
    if (spec.default !== undefined && !matchesInputType(spec.default, spec.type, spec.values)) {
      ctx.addIssue({
        code: 'custom',
        path: ['default'],
        message:
          spec.type === 'enum'
            ? `default ${JSON.stringify(spec.default)} is not one of the enum values`
            : `default ${JSON.stringify(spec.default)} is not of type ${spec.type}`,
      });
    }
  });

export function matchesInputType(
  value: unknown,
  type: (typeof INPUT_TYPES)[number],
  values?: ReadonlyArray<string | number | boolean>,
): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'enum':
      return (values ?? []).some((v) => v === value);
  }
}

/** Keys every step kind accepts. */
function commonStepShape() {
  return {
    id: identifier('a step id').optional(),
    name: z.string().optional(),
    if: conditionSchema.optional(),
    retry: retrySchema.optional(),
    timeout: durationSchema.optional(),
    on_failure: z.enum(ON_FAILURE).optional(),
    outputs: z.record(z.string(), z.unknown()).optional(),
  };
}

/** One strict object schema per step kind; `stepList` validates nested lists of steps. */
export function stepKindSchemas(stepList: z.ZodType) {
  const common = commonStepShape();
  return {
    uses: z.strictObject({
      ...common,
      uses: z.string().min(1),
      with: z.record(z.string(), z.unknown()).optional(),
    }),
    steps: z.strictObject({ ...common, steps: stepList }),
    parallel: z.strictObject({
      ...common,
      parallel: z.strictObject({ branches: stepList, fail_fast: z.boolean().optional() }),
    }),
    foreach: z.strictObject({
      ...common,
      foreach: z.strictObject({
        items: z.union([z.string(), z.array(z.unknown())], {
          error: 'expected an expression "${ … }" or a list',
        }),
        as: identifier('"as"').optional(),
        concurrency: positiveInt('concurrency').min(1).optional(),
        fail_fast: z.boolean().optional(),
        steps: stepList,
      }),
    }),
    switch: z.strictObject({
      ...common,
      switch: z.strictObject({
        cases: z.array(z.strictObject({ when: conditionSchema, steps: stepList })).min(1),
        default: stepList.optional(),
      }),
    }),
    run: z.strictObject({
      ...common,
      run: z.strictObject({
        workflow: z.string().min(1),
        inputs: z.record(z.string(), z.unknown()).optional(),
      }),
    }),
    wait: z.strictObject({
      ...common,
      wait: z
        .strictObject({ duration: durationOrExpression.optional(), until: z.string().optional() })
        .refine((w) => (w.duration === undefined) !== (w.until === undefined), {
          error: 'wait takes exactly one of "duration" or "until"',
        }),
    }),
    loop: z.strictObject({
      ...common,
      loop: z.strictObject({
        max_iters: positiveInt('max_iters').min(1),
        stop_when: conditionSchema.optional(),
        steps: stepList,
      }),
    }),
  } satisfies Record<StepKind, z.ZodType>;
}

export function stageConfigSchema(stepList: z.ZodType) {
  return z.strictObject({
    uses: z.string().min(1).optional(),
    with: z.record(z.string(), z.unknown()).optional(),
    provider: z.string().min(1).optional(),
    role: z.string().optional(),
    profile: z.string().optional(),
    skills: z.array(z.string()).optional(),
    prompt: z.string().optional(),
    model: z.string().min(1).optional(),
    max_turns: z.union([z.int().min(1), z.string()]).optional(),
    cwd: z.string().min(1).optional(),
    allowed_tools: z.array(z.string()).optional(),
    permissions: z.enum(AGENT_PERMISSIONS).optional(),
    timeout: durationSchema.optional(),
    mode: z.enum(STAGE_MODES).optional(),
    on_failure: z.enum(ON_FAILURE).optional(),
    retries: z.int().min(0).optional(),
    retry_backoff: backoffSchema.optional(),
    steps: stepList.optional(),
  });
}

export const workflowLoopSchema = z.strictObject({
  max_iters: positiveInt('max_iters').min(1),
  stop_when: conditionSchema.optional(),
  fallback_next_stage: z.string().optional(),
});

export function workflowSchemaWith(stepList: z.ZodType) {
  return z.strictObject({
    $schema: z.string().optional(),
    id: z
      .string({ error: (i) => (i.input === undefined ? 'missing "id"' : 'id must be text') })
      .max(64)
      .regex(WORKFLOW_ID, {
        error: 'must be lower-case letters, digits, - and _, starting with a letter or digit',
      }),
    name: z.string().optional(),
    description: z.string().optional(),
    version: z.union([z.string(), z.number()]).optional(),
    inputs: z.record(identifier('an input name'), inputSpecSchema).optional(),
    vars: z.record(identifier('a var name'), z.unknown()).optional(),
    secrets: z
      .array(z.string().regex(SECRET_NAME, { error: 'a secret is an environment variable name' }))
      .optional(),
    defaults: z
      .strictObject({ retry: retrySchema.optional(), timeout: durationSchema.optional() })
      .optional(),
    output: z.unknown().optional(),
    timeout: durationSchema.optional(),
    steps: stepList.optional(),
    stages: z.array(identifier('a stage name')).min(1).optional(),
    stage_configs: z.record(identifier('a stage name'), stageConfigSchema(stepList)).optional(),
    loop: workflowLoopSchema.optional(),
  });
}

/** Used by the shape checker, which validates nested steps itself. */
export const shallowStepList = z.array(z.unknown(), { error: 'expected a list of steps' });
export const shallowStepKinds = stepKindSchemas(shallowStepList);
export const shallowWorkflowSchema = workflowSchemaWith(shallowStepList);

export const STEP_KEYS_BY_KIND = {} as Record<StepKind, readonly string[]>;
for (const kind of STEP_KINDS) STEP_KEYS_BY_KIND[kind] = Object.keys(shallowStepKinds[kind].shape);
