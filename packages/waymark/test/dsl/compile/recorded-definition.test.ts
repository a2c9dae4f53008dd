import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { compileWorkflowDocument } from '../../../src/dsl/compile/index.ts';
import { loadWorkflowDocument } from '../../../src/dsl/load-workflow-file.ts';
import type { WorkflowDefinition } from '../../../src/runtime/workflow.ts';
import { createTestEngine, type TestEngine } from '../../../src/testing/test-engine.ts';
import { lines, newCalls, testExecutors } from './helpers.ts';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const executors = testExecutors(newCalls());
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function compile(
  text: string,
  file: string,
  resolveWorkflow?: (ref: string) => WorkflowDefinition | undefined,
): WorkflowDefinition {
  const loaded = loadWorkflowDocument(text, file, { executors });
  if (loaded.document === undefined) throw new Error(JSON.stringify(loaded.diagnostics));
  return compileWorkflowDocument(loaded, {
    file,
    executors,
    source: { text, file },
    ...(resolveWorkflow === undefined ? {} : { resolveWorkflow }),
  }) as WorkflowDefinition;
}

describe('the definition a YAML run records', () => {
  it('holds the texts of the workflows its run steps name, resolved when it compiles', async () => {
    const childText = lines(
      'id: child',
      'steps:',
      '  - { id: say, uses: echo, with: { value: hi } }',
      'output: ${ steps.say.output }',
    );
    const parentText = lines(
      'id: parent',
      'steps:',
      '  - { id: first, run: { workflow: child } }',
      '  - { id: second, run: { workflow: child } }',
      '  - { id: never, if: false, run: { workflow: missing } }',
      'output: ${ [steps.first.output, steps.second.output] }',
    );
    const child = compile(childText, '/w/child.workflow.yaml');
    const asked: string[] = [];
    const parent = compile(parentText, '/w/parent.workflow.yaml', (ref) => {
      asked.push(ref);
      return ref === 'child' ? child : undefined;
    });
    // Once per name, now: what a run starts is fixed when it starts.
    expect(asked).toEqual(['child', 'missing']);

    t = await createTestEngine({ workflows: [parent] });
    const run = await t.engine.start(parent, {});
    expect(await run.result()).toEqual(['hi', 'hi']);
    const recordedChild = {
      source: childText,
      hash: sha256(childText),
      file: '/w/child.workflow.yaml',
      nested: {},
    };
    expect((await t.engine.getRun(run.id))?.definition).toEqual({
      source: parentText,
      hash: sha256(parentText),
      file: '/w/parent.workflow.yaml',
      nested: { child: recordedChild },
    });
    // Each child run records the same text as its parent did for it.
    const children = (await t.engine.steps(run.id)).filter((s) => s.childRunId !== null);
    expect(children).toHaveLength(2);
    for (const step of children) {
      expect((await t.engine.getRun(step.childRunId ?? ''))?.definition).toEqual(recordedChild);
    }
  });
});
