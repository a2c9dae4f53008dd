import { describe, expect, it } from 'vitest';
import { loadWorkflowDocument } from '../../../src/dsl/load-workflow-file.ts';
import { lines } from './helpers.ts';

function errors(text: string): string[] {
  const { diagnostics } = loadWorkflowDocument(text, 'x.workflow.yaml');
  return diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`);
}

describe('expression checks at load time', () => {
  it('reports unknown names and non-bool conditions with their line and column', () => {
    expect(
      errors(
        lines(
          'id: checks',
          'inputs: { n: { type: integer, default: 1 } }',
          'steps:',
          '  - id: a',
          '    if: ${ inputs.n }',
          '    uses: log',
          '    with: { message: "${ inputs.nope }" }',
          '  - id: b',
          '    loop:',
          '      max_iters: 2',
          '      stop_when: ${ vars.missing }',
          '      steps: [{ id: c, uses: log, with: { message: "${ item }" } }]',
        ),
      ),
    ).toEqual([
      expect.stringMatching(/^5:9: condition must be bool, got int/),
      expect.stringMatching(/^7:33: No such key: nope/),
      expect.stringMatching(/^11:26: No such key: missing/),
      expect.stringMatching(/^12:56: Unknown variable: item/),
    ]);
  });

  it('accepts foreach.as names, item, iter, stage and set vars where they are in scope', () => {
    expect(
      errors(
        lines(
          'id: fine',
          'secrets: [TOKEN]',
          'stages: [one]',
          'stage_configs:',
          '  one:',
          '    steps:',
          '      - id: each',
          '        foreach:',
          '          items: ${ [1, 2] }',
          '          as: n',
          '          steps:',
          '            - { id: s, uses: set, with: { total: "${ n + iter.index }" } }',
          '      - { id: t, uses: log, with: { message: "${ vars.total } ${ stage.iteration } ${ secrets.TOKEN }" } }',
        ),
      ),
    ).toEqual([]);
  });
});

describe('compileWorkflowDocument', () => {
  it('checks literal executor arguments when it loads, at line:column', async () => {
    const { compileYaml, newCalls, testExecutors } = await import('./helpers.ts');
    expect(() =>
      compileYaml(
        lines(
          'id: badargs',
          'steps:',
          '  - { id: a, uses: log, with: { text: hi } }',
          '  - { id: b, uses: log, with: { message: "${ run.id }" } }',
        ),
        { executors: testExecutors(newCalls()) },
      ),
    ).toThrow(/^3:31: log needs "message"\n3:33: unknown argument "text" of log$/);
  });
});
