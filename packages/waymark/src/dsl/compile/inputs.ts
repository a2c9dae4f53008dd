/** The zod schema of a workflow's `inputs:`: types, `required`, `default`, enum `values`. */
import { z } from 'zod';
import type { InputSpec } from '../document.ts';

export function inputSchema(inputs: Record<string, InputSpec> | undefined): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, spec] of Object.entries(inputs ?? {})) {
    let type = typeOf(spec);
    if (spec.description !== undefined) type = type.describe(spec.description);
    if (spec.default !== undefined) shape[name] = type.default(spec.default as never);
    else shape[name] = spec.required === true ? type : type.optional();
  }
  return z
    .object(shape)
    .strict()
    .optional()
    .transform((value) => value ?? {})
    .pipe(z.object(shape).strict());
}

function typeOf(spec: InputSpec): z.ZodType {
  switch (spec.type) {
    case 'string':
      return z.string();
    case 'number':
      return z.number();
    case 'integer':
      return z.number().int();
    case 'boolean':
      return z.boolean();
    case 'object':
      return z.record(z.string(), z.unknown());
    case 'array':
      return z.array(z.unknown());
    case 'enum': {
      const values = spec.values ?? [];
      const literals = values.map((v) => z.literal(v));
      if (literals.length === 0) return z.never();
      if (literals.length === 1) return literals[0] as z.ZodType;
      return z.union(literals as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
    }
  }
}
