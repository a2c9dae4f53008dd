/**
 * compileYaml's definition switch: a run executes the text it recorded, and that record is
 * read once per run, not again on every execution of the workflow (one after each sleep).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/cli/config.ts';
import { compileYaml, validateYaml } from '../../src/cli/yaml-workflow.ts';
import type { RunDefinitionSource } from '../../src/core/run.ts';
import { createTestEngine, type TestEngine } from '../../src/testing/index.ts';

const NAPPER = (label: string): string => `id: napper
steps:
  - id: before
    uses: set
    with: { label: ${label} }
  - id: nap
    wait: { duration: 1s }
  - id: after
    uses: set
    with: { after: ${label} }
output:
  label: \${ vars.label }
  after: \${ vars.after }
`;

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function compile(source: string, lookups: string[], getT: () => TestEngine) {
  const loaded = validateYaml(source, 'napper.workflow.yaml', '/napper.workflow.yaml', undefined);
  if (!loaded.ok) throw new Error('invalid fixture');
  return compileYaml(loaded.document, source, '/napper.workflow.yaml', {
    config: loadConfig({ stdout: () => {}, stderr: () => {}, env: {}, cwd: '/' }),
    workflowsDir: '/workflows',
    recordedDefinition: async (runId): Promise<RunDefinitionSource | null> => {
      lookups.push(runId);
      return (await getT().store.getRun({ runId }))?.definition ?? null;
    },
  });
}

describe('a compiled YAML workflow', () => {
  it('reads its run’s recorded definition once, not after every sleep', async () => {
    const lookups: string[] = [];
    const napper = compile(NAPPER('one'), lookups, () => t as TestEngine);
    t = await createTestEngine({ workflows: [napper] });
    const run = await t.engine.start(napper, {});
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('1s');
    expect(await run.result()).toEqual({ label: 'one', after: 'one' });
    expect(lookups).toEqual([run.id]);
  });

  it('runs a run started from other text with that text', async () => {
    const lookups: string[] = [];
    const original = compile(NAPPER('original'), [], () => t as TestEngine);
    const first = await createTestEngine({ workflows: [original] });
    t = first;
    const run = await first.engine.start(original, {});
    await first.waitForStatus(run.id, 'sleeping');
    await first.engine.stop();

    // Another engine on the same store, from the edited text, picks the run up when it is due.
    const edited = compile(NAPPER('edited'), lookups, () => t as TestEngine);
    t = await createTestEngine({ workflows: [edited], store: first.store, clock: first.clock });
    try {
      await first.clock.advance('5s'); // the wake time, and the next poll
      await t.waitForStatus(run.id, 'completed');
      expect((await t.engine.getRun(run.id))?.output).toEqual({
        label: 'original',
        after: 'original',
      });
      expect(lookups).toEqual([run.id]);
    } finally {
      await t.close();
      t = first;
    }
  });
});
