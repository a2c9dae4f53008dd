import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkflowDefinition } from '../../../src/runtime/workflow.ts';
import { compileYaml, newCalls, testExecutors } from '../compile/helpers.ts';

export const GOLDEN_DIR = fileURLToPath(new URL('./golden/', import.meta.url));

/**
 * Compiles `golden/<name>.workflow.yaml` with the test executors (echo, flaky, … — none
 * depends on real time); a nested `run` names another file of the folder by its id.
 */
export function goldenWorkflow(name: string): WorkflowDefinition<Record<string, unknown>, unknown> {
  const executors = testExecutors(newCalls());
  const compile = (id: string): WorkflowDefinition<Record<string, unknown>, unknown> =>
    compileYaml(readFileSync(`${GOLDEN_DIR}${id}.workflow.yaml`, 'utf8'), {
      file: `${id}.workflow.yaml`,
      executors,
      resolveWorkflow: (ref) => compile(ref) as WorkflowDefinition,
    });
  return compile(name);
}
