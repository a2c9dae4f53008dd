import { z } from 'zod';
import { STEP_KINDS, stepKindSchemas, workflowSchemaWith } from './schema.ts';

/** The whole language as one recursive zod schema; only for export (see schema.ts). */
function fullWorkflowSchema(): z.ZodType {
  const stepList: z.ZodType = z.array(z.lazy(() => step)).meta({ id: 'step_list' });
  const kinds = stepKindSchemas(stepList);
  const step: z.ZodType = z
    .union(STEP_KINDS.map((kind) => kinds[kind]))
    .meta({ id: 'step', description: `A step: exactly one of ${STEP_KINDS.join(', ')}.` });
  return workflowSchemaWith(stepList).meta({
    title: 'Waymark workflow',
    description: 'A Waymark YAML workflow (*.workflow.yaml).',
  });
}

/**
 * The JSON Schema (draft 2020-12) of workflow files, for editor completion: a file points
 * at it with `$schema`. Refinements (durations, the one-kind-per-step rule) are not
 * expressible there; `waymark validate` checks them.
 */
export function workflowJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(fullWorkflowSchema(), {
    target: 'draft-2020-12',
    unrepresentable: 'any',
    io: 'input',
  }) as Record<string, unknown>;
}
