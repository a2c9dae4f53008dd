import { describe, expect, it } from 'vitest';
import { loadWorkflowDocument } from '../../src/dsl/load-workflow-file.ts';

describe('YAML syntax errors', () => {
  it('reports the first few and sums up the cascade that follows one mistake', () => {
    const text = [
      'id: x',
      'steps:',
      '  - id: a',
      '    uses: log',
      '    with: { message: "hi", other: [1, 2 }',
      '  - { id: b, uses: log, with: { a: [ }',
      '  - id: c',
      '    uses: { [ }',
      '    x: [ { ]',
    ].join('\n');
    const { document, diagnostics } = loadWorkflowDocument(text, 'bad.workflow.yaml');
    expect(document).toBeUndefined();
    expect(diagnostics[0]).toMatchObject({ line: 5, severity: 'error' });
    expect(diagnostics.length).toBeLessThanOrEqual(6);
    expect(diagnostics.at(-1)?.message).toMatch(/^\d+ more syntax errors follow/);
  });
});
