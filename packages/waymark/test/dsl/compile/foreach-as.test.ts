import { afterEach, describe, expect, it } from 'vitest';
import { loadWorkflowDocument } from '../../../src/dsl/load-workflow-file.ts';
import { createTestEngine, type TestEngine } from '../../../src/testing/test-engine.ts';
import { compileYaml, lines, newCalls, testExecutors } from './helpers.ts';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function run(text: string): Promise<unknown> {
  const wf = compileYaml(text, { executors: testExecutors(newCalls()) });
  t = await createTestEngine({ workflows: [wf] });
  return (await t.engine.start(wf, {})).result();
}

function diagnostics(text: string): string[] {
  const { diagnostics } = loadWorkflowDocument(text, 'as.workflow.yaml', {
    executors: testExecutors(newCalls()),
  });
  return diagnostics.map(
    (d) => `${d.line}:${d.column}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`,
  );
}

describe('foreach.as', () => {
  it('binds the item to its name, fields and all; a quoted name is only text', async () => {
    expect(
      await run(
        lines(
          'id: named',
          'steps:',
          '  - id: build',
          '    foreach:',
          '      items: [{ name: linux, arch: x64 }, { name: darwin, arch: arm64 }]',
          '      as: platform',
          '      steps:',
          '        - id: target',
          '          uses: echo',
          '          with: { value: "${ platform.name }/${ platform.arch } ${ \\"platform\\" } #${ iter.index }" }',
          'output: ${ steps.build.output.map(o, o.target) }',
        ),
      ),
    ).toEqual(['linux/x64 platform #0', 'darwin/arm64 platform #1']);
  });

  it('nested foreach steps see the outer and the inner names; an item without as stays item', async () => {
    expect(
      await run(
        lines(
          'id: nested',
          'steps:',
          '  - id: outer',
          '    foreach:',
          '      items: [linux, darwin]',
          '      as: os',
          '      steps:',
          '        - id: inner',
          '          foreach:',
          '            items: [x64, arm64]',
          '            as: arch',
          '            steps:',
          '              - { id: pair, uses: echo, with: { value: "${ os }-${ arch }" } }',
          '  - id: mixed',
          '    foreach:',
          '      items: [a, b]',
          '      steps:',
          '        - id: named_inner',
          '          foreach:',
          '            items: [1]',
          '            as: n',
          '            steps:',
          '              - { id: both, uses: echo, with: { value: "${ item }${ n }" } }',
          'output:',
          '  pairs: ${ steps.outer.output.map(o, o.inner.map(i, i.pair)) }',
          '  mixed: ${ steps.mixed.output.map(o, o.named_inner[0].both) }',
        ),
      ),
    ).toEqual({
      pairs: [
        ['linux-x64', 'linux-arm64'],
        ['darwin-x64', 'darwin-arm64'],
      ],
      mixed: ['a1', 'b1'],
    });
  });

  it('is type-checked when the file loads: item is not the name any more, and the name ends with the foreach', () => {
    expect(
      diagnostics(
        lines(
          'id: checked',
          'steps:',
          '  - id: build',
          '    foreach:',
          '      items: [a]',
          '      as: platform',
          '      steps:',
          '        - { id: one, uses: echo, with: { value: "${ item }" } }',
          '        - { id: two, uses: echo, with: { value: "${ platfrom }" } }',
          '  - { id: after, uses: echo, with: { value: "${ platform }" } }',
        ),
      ),
    ).toEqual([
      '8:53: Unknown variable: item (in `${ item }`) (the item of a foreach with "as" has that name: use "platform")',
      '9:53: Unknown variable: platfrom (in `${ platfrom }`) (did you mean "platform"?)',
      '10:49: Unknown variable: platform (in `${ platform }`) (names in scope: inputs, vars, steps, secrets, run)',
    ]);
  });

  it('must be an identifier that is not a scope name or a word CEL keeps', () => {
    const each = (as: string): string =>
      lines(
        `id: bad-as`,
        'steps:',
        '  - id: each',
        '    foreach:',
        '      items: [1]',
        `      as: ${as}`,
        '      steps: [{ id: w, uses: noop }]',
      );
    expect(diagnostics(each('item'))).toEqual([
      '6:11: "as: item" gives the item the name it has without "as" (drop "as", or pick another name)',
    ]);
    expect(diagnostics(each('inputs'))).toEqual([
      '6:11: "inputs" is a reserved name (expressions use inputs, vars, steps, item, iter, stage, run, secrets as scope names; pick another)',
    ]);
    for (const word of ['int', 'map', '"true"', 'in']) {
      const name = word.replaceAll('"', '');
      expect(diagnostics(each(word))).toEqual([
        `6:11: "${name}" cannot name the item: CEL keeps that word for itself (pick another name, like "${name}_item")`,
      ]);
    }
    expect(diagnostics(each('my-item'))).toEqual([
      '6:11: steps[0].foreach.as: "as" must start with a letter or _ and contain only letters, digits and _',
    ]);
  });
});
