import { describe, expect, it } from 'vitest';
import { workflowJsonSchema } from '../../src/dsl/json-schema.ts';

describe('workflowJsonSchema', () => {
  it('is draft 2020-12 JSON with the top-level keys of the language', () => {
    const schema = JSON.parse(JSON.stringify(workflowJsonSchema())) as Record<string, unknown>;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(schema.properties as object).sort()).toEqual(
      [
        '$schema',
        'defaults',
        'description',
        'id',
        'inputs',
        'loop',
        'name',
        'output',
        'secrets',
        'stage_configs',
        'stages',
        'steps',
        'timeout',
        'vars',
        'version',
      ].sort(),
    );
    expect(schema.required).toEqual(['id']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('describes steps recursively, one alternative per kind', () => {
    const schema = workflowJsonSchema() as { $defs: Record<string, { anyOf?: unknown[] }> };
    const step = schema.$defs.step;
    expect(step?.anyOf).toHaveLength(8);
    const text = JSON.stringify(schema);
    for (const kind of ['uses', 'parallel', 'foreach', 'switch', 'run', 'wait', 'loop']) {
      expect(text).toContain(`"${kind}":`);
    }
  });
});
