import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ValidationError } from '../core/errors.ts';

/** Validates `input` against a Standard Schema, listing every problem in one ValidationError. */
export async function validateInput(
  schema: StandardSchemaV1 | undefined,
  input: unknown,
  workflowName: string,
): Promise<unknown> {
  if (schema === undefined) return input;
  const result = await schema['~standard'].validate(input);
  if (result.issues === undefined) return result.value;
  const issues = result.issues.map((issue) => ({
    path: (issue.path ?? [])
      .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
      .join('.'),
    message: issue.message,
  }));
  return Promise.reject(
    new ValidationError(`invalid input for workflow "${workflowName}"`, issues),
  );
}
