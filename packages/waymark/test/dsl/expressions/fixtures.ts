import type { ExpressionScope, ScopeDeclaration } from '../../../src/dsl/expressions/index.ts';

export const declaration: ScopeDeclaration = {
  inputs: {
    version: 'string',
    n: 'int',
    count: 'int',
    ratio: 'double',
    flag: 'bool',
    tags: 'list',
    config: 'map',
    any: 'dyn',
  },
  vars: { greeting: 'string' },
  steps: { build: { output: 'dyn' }, count: { output: 'dyn' } },
  secrets: ['TOKEN', 'API_KEY'],
};

export function scope(overrides: Partial<ExpressionScope> = {}): ExpressionScope {
  return {
    inputs: {
      version: '1.2.3',
      n: 3,
      count: 5,
      ratio: 1.5,
      flag: true,
      tags: ['a', 'b'],
      config: { region: 'eu', replicas: 2 },
      any: null,
    },
    vars: { greeting: 'hi' },
    steps: {
      build: { output: { artifact: 'app.tar', sizes: [1, 2.5] }, status: 'succeeded', error: null },
      count: { output: { n: 3, ratio: 0.5 }, status: 'succeeded', error: null },
    },
    run: { id: 'run-1' },
    secrets: { TOKEN: 's3cr3t', API_KEY: 'k' },
    ...overrides,
  };
}
