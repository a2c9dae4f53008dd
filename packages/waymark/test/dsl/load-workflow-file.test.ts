import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Diagnostic, WorkflowValidationError } from '../../src/dsl/diagnostics.ts';
import { loadWorkflowDocument } from '../../src/dsl/load-workflow-file.ts';
import { parseYaml } from '../../src/dsl/parse-yaml.ts';
import { createExecutorRegistry, defineExecutor } from '../../src/executors/index.ts';

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

/** Line and column (1-based) of the `nth` occurrence of `needle` in `text`. */
function pos(text: string, needle: string, nth = 0): { line: number; column: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at === -1) throw new Error(`"${needle}" not in text`);
  }
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: (before.at(-1) ?? '').length + 1 };
}

function errors(text: string, options: Parameters<typeof loadWorkflowDocument>[2] = {}) {
  const result = loadWorkflowDocument(text, 'wf.yaml', options);
  expect(result.document).toBeUndefined();
  return result.diagnostics.map((d) => ({
    line: d.line,
    column: d.column,
    message: d.message,
    hint: d.hint,
  }));
}

/** The one diagnostic of `text`, with its position checked against where `needle` is. */
function onlyError(text: string, needle: string, nth = 0): Diagnostic {
  const { diagnostics } = loadWorkflowDocument(text, 'wf.yaml');
  expect(diagnostics).toHaveLength(1);
  const d = diagnostics[0] as Diagnostic;
  expect({ line: d.line, column: d.column }).toEqual(pos(text, needle, nth));
  return d;
}

const FULL = lines(
  '$schema: https://example.com/workflow.schema.json',
  'id: every-construct',
  'name: Every construct',
  'description: One of each.',
  'version: "2.1"',
  'inputs:',
  '  who: { type: string, required: true, description: Name }',
  '  count: { type: integer, default: 2 }',
  '  ratio: { type: number, default: 0.5 }',
  '  loud: { type: boolean, default: false }',
  '  opts: { type: object, default: { a: 1 } }',
  '  list: { type: array, default: [1, 2] }',
  '  level: { type: enum, values: [low, high], default: low }',
  'vars: { greeting: "hello ${ inputs.who }" }',
  'secrets: [API_TOKEN]',
  'defaults:',
  '  timeout: 5m',
  '  retry: { max_attempts: 2, backoff: { initial: 1s, factor: 2, max: 30s, jitter: 0.1 } }',
  'timeout: 1h30m',
  'steps:',
  '  - id: hello',
  '    name: Say hello',
  '    uses: log',
  '    with: { message: "${ vars.greeting }" }',
  '    if: ${ !inputs.loud }',
  '    retry: { max_attempts: 3 }',
  '    timeout: 30000',
  '    on_failure: continue',
  '    outputs: { said: "${ steps.hello.output }" }',
  '  - name: group',
  '    steps:',
  '      - { id: noop1, uses: noop }',
  '  - id: fan',
  '    parallel:',
  '      fail_fast: false',
  '      branches:',
  '        - { id: left, uses: noop }',
  '        - { id: right, uses: shell, with: { command: ls } }',
  '  - id: each',
  '    foreach:',
  '      items: ${ inputs.list }',
  '      as: n',
  '      concurrency: 2',
  '      steps:',
  '        - { id: per_item, uses: set, with: { last: "${ n }" } }',
  '  - switch:',
  '      cases:',
  '        - when: ${ inputs.level == "high" }',
  '          steps: [{ id: high, uses: log, with: { message: high } }]',
  '      default: [{ id: low, uses: log, with: { message: low } }]',
  '  - id: child',
  '    run: { workflow: other, inputs: { x: 1 } }',
  '  - id: pause',
  '    wait: { duration: 1m }',
  '  - id: until',
  '    wait: { until: "${ inputs.opts.at }" }',
  '  - id: poll',
  '    loop:',
  '      max_iters: 5',
  '      stop_when: ${ steps.check.output.ok }',
  '      steps: [{ id: check, uses: noop }]',
  '  - id: boom',
  '    if: false',
  '    uses: fail',
  '    with: { message: boom }',
  'output: { said: "${ steps.hello.output }" }',
);

const STAGES = lines(
  'id: agent-loop',
  'stages: [plan, code, check]',
  'stage_configs:',
  '  plan:',
  '    provider: claude-code',
  '    role: planner',
  '    profile: careful',
  '    skills: [read, search]',
  '    prompt: Plan the change',
  '    mode: sequential',
  '    on_failure: retry',
  '    retries: 2',
  '    retry_backoff: { initial: 5s, factor: 2 }',
  '  code: { uses: shell, with: { command: make } }',
  '  check:',
  '    mode: parallel',
  '    steps:',
  '      - { id: lint, uses: shell, with: { command: lint } }',
  '      - { id: test, uses: shell, with: { command: test } }',
  'loop:',
  '  max_iters: 3',
  '  stop_when: ${ steps.test.output.ok }',
  '  fallback_next_stage: code',
);

describe('loadWorkflowDocument: valid documents', () => {
  it('accepts a document using every step construct and top-level key', () => {
    const { document, diagnostics } = loadWorkflowDocument(FULL, 'full.yaml');
    expect(diagnostics).toEqual([]);
    expect(document?.id).toBe('every-construct');
    expect(document?.steps).toHaveLength(10);
    expect(document?.inputs?.level).toEqual({
      type: 'enum',
      values: ['low', 'high'],
      default: 'low',
    });
  });

  it('accepts a staged document with a stage loop', () => {
    const { document, diagnostics } = loadWorkflowDocument(STAGES, 'stages.yaml');
    expect(diagnostics).toEqual([]);
    expect(document?.stages).toEqual(['plan', 'code', 'check']);
    expect(document?.loop?.fallback_next_stage).toBe('code');
  });

  it('validates examples/yaml/release.workflow.yaml', () => {
    const url = new URL('../../../../examples/yaml/release.workflow.yaml', import.meta.url);
    const { document, diagnostics } = loadWorkflowDocument(
      readFileSync(url, 'utf8'),
      'release.workflow.yaml',
      {
        resolveWorkflow: (ref) =>
          ref === './notify-team.workflow.yaml' ? { id: 'notify-team' } : undefined,
      },
    );
    expect(diagnostics).toEqual([]);
    expect(document?.id).toBe('release');
  });
});

describe('loadWorkflowDocument: schema mistakes', () => {
  const step = (...body: string[]): string => lines('id: wf', 'steps:', ...body);

  it.each([
    ['parralel', 'parallel'],
    ['forech', 'foreach'],
    ['use', 'uses'],
    ['swich', 'switch'],
  ])('a typo in a step kind (%s) is one message naming %s', (typo, kind) => {
    const text = step('  - id: s', `    ${typo}: {}`);
    const d = onlyError(text, typo);
    expect(d.message).toBe(`unknown key "${typo}"; did you mean "${kind}"?`);
    expect(d.hint).toMatch(/^a step has exactly one of: uses, steps, parallel/);
  });

  it('a step without any kind says which keys give one', () => {
    const d = onlyError(step('  - id: s', '    name: nothing'), 'id: s');
    expect(d.message).toBe(
      'a step needs one of: uses, steps, parallel, foreach, switch, run, wait, loop',
    );
  });

  it('a step with two kinds', () => {
    const text = step('  - id: s', '    uses: log', '    wait: { duration: 1s }');
    expect(onlyError(text, 'wait').message).toBe(
      'a step has exactly one kind, this one has "uses" and "wait"',
    );
  });

  it('an unknown key in a step suggests the allowed one', () => {
    const text = step('  - id: s', '    uses: log', '    wiht: { message: hi }');
    expect(onlyError(text, 'wiht').message).toBe('unknown key "wiht"; did you mean "with"?');
  });

  it('an unknown key inside a kind body', () => {
    const text = step('  - id: s', '    parallel:', '      failfast: true', '      branches: []');
    expect(onlyError(text, 'failfast').message).toBe(
      'unknown key "failfast"; did you mean "fail_fast"?',
    );
  });

  it('an unknown top-level key', () => {
    const text = lines('id: wf', 'stepz: []');
    expect(errors(text)).toEqual([
      {
        line: 1,
        column: 1,
        message: 'the workflow has neither "steps" nor "stages"',
        hint: undefined,
      },
      {
        line: 2,
        column: 1,
        message: 'unknown key "stepz"; did you mean "steps"?',
        hint: expect.stringMatching(/^allowed here: \$schema, id, name/) as unknown,
      },
    ]);
  });

  it('loop without max_iters', () => {
    const text = step('  - id: l', '    loop:', '      steps: [{ id: a, uses: noop }]');
    const d = onlyError(text, 'steps: [');
    expect(d.message).toBe('steps[0].loop is missing "max_iters"');
    expect(d.hint).toBe('a loop needs an upper bound on its iterations so it always ends');
  });

  it('a workflow loop without max_iters', () => {
    const text = lines(
      'id: wf',
      'stages: [a]',
      'stage_configs: { a: { uses: noop } }',
      'loop:',
      '  stop_when: true',
    );
    expect(onlyError(text, 'stop_when').message).toBe('loop is missing "max_iters"');
  });

  it('a bad duration', () => {
    const text = step('  - id: s', '    uses: noop', '    timeout: 5 minutes');
    expect(onlyError(text, '5 minutes').message).toBe(
      'steps[0].timeout: not a duration: use ms, or text like "30s", "5m", "1h30m"',
    );
  });

  it('a bad workflow id', () => {
    const text = lines('id: My Flow', 'steps: []');
    expect(onlyError(text, 'My Flow').message).toBe(
      'id: must be lower-case letters, digits, - and _, starting with a letter or digit',
    );
  });

  it('a missing workflow id', () => {
    const d = onlyError(lines('steps: []'), 'steps');
    expect(d.message).toBe('the workflow is missing "id"');
  });

  it('an enum input without values, and a default of the wrong type', () => {
    const text = lines(
      'id: wf',
      'inputs:',
      '  a: { type: enum }',
      '  b: { type: integer, default: 1.5 }',
      'steps: []',
    );
    expect(errors(text)).toEqual([
      {
        ...pos(text, '{ type: enum'),
        message: 'inputs.a.values: an enum input needs "values"',
        hint: undefined,
      },
      {
        ...pos(text, '1.5'),
        message: 'inputs.b.default: default 1.5 is not of type integer',
        hint: undefined,
      },
    ]);
  });

  it('wait with both duration and until', () => {
    const text = step('  - id: w', '    wait: { duration: 1s, until: "${ inputs.t }" }');
    expect(onlyError(text, '{ duration').message).toBe(
      'steps[0].wait: wait takes exactly one of "duration" or "until"',
    );
  });

  it('a step id that is not an identifier', () => {
    const text = step('  - id: build-image', '    uses: noop');
    expect(onlyError(text, 'build-image').message).toBe(
      'steps[0].id: a step id must start with a letter or _ and contain only letters, digits and _',
    );
  });
});

describe('loadWorkflowDocument: semantic mistakes', () => {
  const step = (...body: string[]): string => lines('id: wf', 'steps:', ...body);

  it('duplicate step ids, nested ones included', () => {
    const text = step(
      '  - id: build',
      '    uses: noop',
      '  - id: each',
      '    foreach:',
      '      items: [1]',
      '      steps: [{ id: build, uses: noop }]',
    );
    const d = onlyError(text, 'build', 1);
    expect(d.message).toBe('duplicate step id "build" (first used at steps[0])');
    expect(d.hint).toBe('step ids are unique in the whole workflow, nested steps included');
  });

  it('a missing id on a step that needs one', () => {
    const text = step('  - name: no id', '    uses: noop');
    const d = onlyError(text, 'name: no id');
    expect(d.message).toBe('this uses step needs an "id"');
    expect(d.hint).toMatch(/durable keys/);
  });

  it('an unknown executor, with a suggestion and the known ones', () => {
    const text = step('  - id: s', '    uses: shel');
    const d = onlyError(text, 'shel');
    expect(d.message).toBe('unknown executor "shel"; did you mean "shell"?');
    expect(d.hint).toBe(
      'known executors: claude-code, codex, fail, gemini, grok, http, log, module, noop, set, shell',
    );
  });

  it('executors come from the caller', () => {
    const text = step('  - id: s', '    uses: deploy');
    const { diagnostics } = loadWorkflowDocument(text, 'wf.yaml', {
      knownExecutors: new Set(['deploy']),
    });
    expect(diagnostics).toEqual([]);
  });

  it("the caller's executors' argument rules apply at load, where they stand", () => {
    const render = defineExecutor({
      name: 'render',
      withSchema: z.object({ template: z.string() }),
      literalArgs: ['template'],
      run: async () => ({}),
    });
    const text = step('  - id: s', '    uses: render', '    with: { template: "hi ${ run.id }" }');
    const loaded = loadWorkflowDocument(text, 'wf.yaml', {
      executors: createExecutorRegistry([render]),
    });
    expect(loaded.diagnostics).toEqual([
      expect.objectContaining({
        ...pos(text, '"hi'),
        message:
          '"template" of render must be literal text: expressions are not substituted into it',
      }),
    ]);
  });

  it.each(['inputs', 'vars', 'steps', 'item', 'iter', 'stage', 'run', 'secrets'])(
    'the reserved name "%s" as a step id',
    (name) => {
      const { diagnostics } = loadWorkflowDocument(
        step(`  - id: ${name}`, '    uses: noop'),
        'wf.yaml',
      );
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatchObject({
        line: 3,
        column: 9,
        message: `"${name}" is a reserved name`,
      });
      expect(diagnostics[0]?.hint).toMatch(/^expressions use inputs, vars, steps/);
    },
  );

  it('a reserved name as foreach.as', () => {
    const text = step(
      '  - id: e',
      '    foreach:',
      '      items: [1]',
      '      as: vars',
      '      steps: []',
    );
    expect(onlyError(text, 'vars').message).toBe('"vars" is a reserved name');
  });

  it('a reference to an unknown step', () => {
    const text = step(
      '  - id: build',
      '    uses: noop',
      '  - id: say',
      '    uses: log',
      '    with: { message: "built ${ steps.biuld.output }" }',
    );
    const d = onlyError(text, 'steps.biuld');
    expect(d.message).toBe('reference to unknown step "biuld"; did you mean "build"?');
  });

  it('an escaped $${ is literal text, not a step reference', () => {
    const text = step(
      '  - id: say',
      '    uses: log',
      '    with: { message: "literal $${ steps.nope }" }',
    );
    const { document, diagnostics } = loadWorkflowDocument(text, 'wf.yaml');
    expect(diagnostics).toEqual([]);
    expect(document).toBeDefined();
  });

  it('references by index syntax are checked too; input defaults are data', () => {
    const text = lines(
      'id: wf',
      'inputs: { note: { type: string, default: "${ steps.nope.output }" } }',
      'steps:',
      '  - id: say',
      '    uses: log',
      '    with: { message: "${ steps[\'gone\'].output }" }',
    );
    expect(onlyError(text, "steps['gone']").message).toBe('reference to unknown step "gone"');
  });

  it('stages without configs, configs without stages, a bad fallback_next_stage', () => {
    const text = lines(
      'id: wf',
      'stages: [plan, code]',
      'stage_configs:',
      '  plan: { uses: noop }',
      '  test: { uses: noop }',
      'loop: { max_iters: 2, fallback_next_stage: plam }',
    );
    expect(errors(text)).toEqual([
      {
        ...pos(text, 'code'),
        message: 'stage "code" has no entry in stage_configs',
        hint: 'add stage_configs.code with uses, provider or steps',
      },
      {
        ...pos(text, 'test'),
        message: 'stage_configs has "test", which is not in stages',
        hint: 'list it in stages, or remove its config',
      },
      {
        ...pos(text, 'plam'),
        message: 'fallback_next_stage "plam" is not one of the stages; did you mean "plan"?',
        hint: 'stages: plan, code',
      },
    ]);
  });

  it('a stage with nothing to run, and one with two things', () => {
    const text = lines(
      'id: wf',
      'stages: [a, b]',
      'stage_configs:',
      '  a: { mode: parallel }',
      '  b: { uses: noop, provider: claude-code }',
    );
    expect(errors(text).map((e) => [e.line, e.column, e.message])).toEqual([
      [4, 3, 'stage "a" has nothing to run'],
      [5, 3, 'stage "b" has "uses" and "provider"; it takes one'],
    ]);
  });

  it('neither steps nor stages', () => {
    expect(onlyError(lines('id: wf', 'name: empty'), 'id').message).toBe(
      'the workflow has neither "steps" nor "stages"',
    );
  });

  it('a cycle of nested runs, through another workflow', () => {
    const docs: Record<string, unknown> = {
      b: parseYaml(lines('id: b', 'steps:', '  - { id: back, run: { workflow: a } }'), 'b').parsed
        ?.value,
    };
    const text = lines('id: a', 'steps:', '  - id: call_b', '    run: { workflow: b }');
    const { diagnostics } = loadWorkflowDocument(text, 'a.yaml', {
      resolveWorkflow: (ref) => docs[ref],
    });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      ...pos(text, 'b }'),
      message: 'nested runs form a cycle: a → b → a',
      hint: 'a workflow may not run itself, directly or through others',
    });
  });

  it('a workflow that runs itself, and one that is not found', () => {
    const text = lines(
      'id: a',
      'steps:',
      '  - { id: again, run: { workflow: a } }',
      '  - { id: other, run: { workflow: missing } }',
    );
    const self = parseYaml(text, 'a').parsed?.value;
    expect(
      errors(text, { resolveWorkflow: (ref) => (ref === 'a' ? self : undefined) }).map((e) => [
        e.line,
        e.message,
      ]),
    ).toEqual([
      [3, 'nested runs form a cycle: a → a'],
      [4, 'workflow "missing" not found'],
    ]);
  });

  it('an expression in run.workflow, at its ${, once (the cycle check does not resolve it)', () => {
    const text = lines(
      'id: a',
      'inputs: { which: { type: string, default: b } }',
      'steps:',
      '  - id: call',
      '    run: { workflow: "notify-${ inputs.which }" }',
    );
    const found: string[] = [];
    const all = errors(text, {
      resolveWorkflow: (ref) => {
        found.push(ref);
        return undefined;
      },
    });
    expect(all).toEqual([
      {
        ...pos(text, '${'),
        message: 'run.workflow is not an expression: it names one workflow, by id or path',
        hint: 'to choose the workflow at run time, use a switch with one run step per case',
      },
    ]);
    expect(found).toEqual([]);
  });
});

describe('loadWorkflowDocument: all errors at once', () => {
  const BAD = lines(
    'id: wf',
    'steps:',
    '  - id: a',
    '    uses: shel',
    '  - id: a',
    '    parralel: {}',
    '  - id: l',
    '    loop: { steps: [] }',
    '  - id: r',
    '    uses: log',
    '    with: { message: "${ steps.nope.output }" }',
  );

  it('reports every error of the file, in order', () => {
    expect(errors(BAD).map((e) => `${e.line}:${e.column}: ${e.message}`)).toEqual([
      '4:11: unknown executor "shel"; did you mean "shell"?',
      '5:9: duplicate step id "a" (first used at steps[0])',
      '6:5: unknown key "parralel"; did you mean "parallel"?',
      '8:11: steps[2].loop is missing "max_iters"',
      '11:26: reference to unknown step "nope"',
    ]);
  });

  it('stops at YAML syntax errors: the rest would be noise', () => {
    const text = lines('id: wf', 'steps:', '  - id: a', '   uses: log', '  - [');
    const all = errors(text);
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((e) => e.line >= 4)).toBe(true);
  });

  it('WorkflowValidationError lists every diagnostic as file:line:column: message (hint)', () => {
    const { diagnostics } = loadWorkflowDocument(BAD, 'bad.workflow.yaml');
    const error = new WorkflowValidationError(diagnostics);
    expect(error.code).toBe('VALIDATION');
    expect(error.diagnostics).toHaveLength(5);
    const messageLines = error.message.split('\n');
    expect(messageLines[0]).toBe('bad.workflow.yaml: 5 errors');
    expect(messageLines[1]).toBe(
      '  bad.workflow.yaml:4:11: unknown executor "shel"; did you mean "shell"? (hint: known executors: claude-code, codex, fail, gemini, grok, http, log, module, noop, set, shell)',
    );
    expect(messageLines).toHaveLength(6);
  });
});
