import { defineWorkflow, type WorkflowDefinition } from '../src/index.ts';

/** The bench's workflow: `steps` no-op steps, returning `steps`. */
export function noopWorkflow(steps: number): WorkflowDefinition<unknown, number> {
  return defineWorkflow({ name: `bench-noop-${steps}` }, async (ctx) => {
    for (let i = 0; i < steps; i++) await ctx.step(`s${i}`, () => i);
    return steps;
  });
}
