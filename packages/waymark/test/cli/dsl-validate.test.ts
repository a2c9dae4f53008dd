import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowJsonSchema } from '../../src/dsl/json-schema.ts';
import { cli, REPO_ROOT } from './cli-harness.ts';

const RELEASE = 'examples/yaml/release.workflow.yaml';

/** Three mistakes: a misspelt executor, a loop without max_iters, a reference to no step. */
const THREE_MISTAKES = `id: broken
steps:
  - id: greet
    uses: lgo
  - id: poll
    loop:
      steps:
        - id: check
          uses: noop
  - id: report
    uses: log
    with:
      message: \${ steps.nope.output }
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'waymark-validate-'));
  writeFileSync(join(dir, 'broken.workflow.yaml'), THREE_MISTAKES);
  writeFileSync(join(dir, 'ok.workflow.yaml'), 'id: ok\nsteps:\n  - id: hi\n    uses: noop\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('waymark validate', () => {
  it('accepts the release example', async () => {
    const { code, stdout, stderr } = await cli(REPO_ROOT, 'validate', RELEASE);
    expect(stderr).toBe('');
    expect(stdout).toBe(`✔ ${RELEASE}: valid\n`);
    expect(code).toBe(0);
  });

  it('prints every mistake as file:line:column: message (hint) and exits 1', async () => {
    const { code, stdout } = await cli(dir, 'validate', 'broken.workflow.yaml');
    expect(code).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^broken\.workflow\.yaml:4:11: unknown executor "lgo"; did you mean "log"\? \(hint: /,
    );
    expect(lines[1]).toMatch(
      /^broken\.workflow\.yaml:7:7: steps\[1\]\.loop is missing "max_iters" \(hint: /,
    );
    expect(lines[2]).toMatch(/^broken\.workflow\.yaml:13:19: reference to unknown step "nope"/);
    expect(lines[3]).toBe('✘ broken.workflow.yaml: 3 errors');
  });

  it('checks several files and fails when any has an error', async () => {
    const { code, stdout } = await cli(dir, 'validate', 'ok.workflow.yaml', 'broken.workflow.yaml');
    expect(code).toBe(1);
    expect(stdout).toContain('✔ ok.workflow.yaml: valid\n');
    expect(stdout).toContain('✘ broken.workflow.yaml: 3 errors\n');
  });

  it('reports a missing file as an error of that file', async () => {
    const { code, stdout } = await cli(dir, 'validate', 'missing.workflow.yaml');
    expect(code).toBe(1);
    expect(stdout).toContain('missing.workflow.yaml:1:1: file not found');
  });

  it('--json prints the diagnostics with their positions', async () => {
    const { code, stdout } = await cli(dir, 'validate', '--json', 'broken.workflow.yaml');
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as {
      valid: boolean;
      files: Array<{ file: string; valid: boolean; diagnostics: Array<Record<string, unknown>> }>;
    };
    expect(report.valid).toBe(false);
    expect(report.files[0]?.valid).toBe(false);
    expect(report.files[0]?.diagnostics).toHaveLength(3);
    expect(report.files[0]?.diagnostics[0]).toMatchObject({
      file: 'broken.workflow.yaml',
      line: 4,
      column: 11,
      severity: 'error',
    });
  });

  it('--plan prints the plan of a valid file after its verdict', async () => {
    const { code, stdout } = await cli(REPO_ROOT, 'validate', '--plan', RELEASE);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^✔ .*: valid\n\nworkflow release "Release" \(version 1\)\n/);
    expect(stdout).toContain('  - smoke: loop, at most 10 iterations\n');
  });

  it('--plan --json includes the plan as an object', async () => {
    const { stdout } = await cli(REPO_ROOT, 'validate', '--plan', '--json', RELEASE);
    const report = JSON.parse(stdout) as {
      files: Array<{ plan: { id: string; steps: Array<{ id?: string; kind: string }> } }>;
    };
    expect(report.files[0]?.plan.id).toBe('release');
    expect(report.files[0]?.plan.steps.find((s) => s.id === 'smoke')?.kind).toBe('loop');
  });
});

describe('waymark validate: nested runs', () => {
  const run = (id: string, target: string): string =>
    `id: ${id}\nsteps:\n  - id: call\n    run:\n      workflow: ${target}\n`;

  it('--dir: checks nested runs against that workflows directory: cycles and unknown workflows', async () => {
    mkdirSync(join(dir, 'wf'), { recursive: true });
    writeFileSync(join(dir, 'wf', 'a.workflow.yaml'), run('a', 'b'));
    writeFileSync(join(dir, 'wf', 'b.workflow.yaml'), run('b', './a.workflow.yaml'));
    writeFileSync(join(dir, 'lonely.workflow.yaml'), run('lonely', 'nobody'));

    const cycle = await cli(dir, 'validate', '--dir', 'wf', 'wf/a.workflow.yaml');
    expect(cycle.code).toBe(1);
    expect(cycle.stdout).toContain(
      'wf/a.workflow.yaml:5:17: nested runs form a cycle: a → b → a (hint: ',
    );
    const unknown = await cli(dir, 'validate', '--dir', 'wf', 'lonely.workflow.yaml');
    expect(unknown.stdout).toContain('lonely.workflow.yaml:5:17: workflow "nobody" not found');
  });

  it('without --dir, ids are looked up in ./workflows, as `waymark run` does', async () => {
    const project = join(dir, 'project');
    mkdirSync(join(project, 'workflows'), { recursive: true });
    writeFileSync(join(project, 'caller.workflow.yaml'), run('caller', 'helper'));
    const missing = await cli(project, 'validate', 'caller.workflow.yaml');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('caller.workflow.yaml:5:17: workflow "helper" not found');
    const dryRun = await cli(project, 'run', 'caller.workflow.yaml', '--dry-run');
    expect(dryRun.code).toBe(2);
    expect(dryRun.stderr).toContain('caller.workflow.yaml:5:17: workflow "helper" not found');

    writeFileSync(
      join(project, 'workflows', 'helper.workflow.yaml'),
      'id: helper\nsteps:\n  - id: hi\n    uses: noop\n',
    );
    const found = await cli(project, 'validate', 'caller.workflow.yaml');
    expect(found.stdout).toBe('✔ caller.workflow.yaml: valid\n');
    expect(found.code).toBe(0);
    expect((await cli(project, 'run', 'caller.workflow.yaml', '--dry-run')).code).toBe(0);
  });
});

describe('waymark schema', () => {
  it('prints the JSON Schema of the language', async () => {
    const { code, stdout } = await cli(dir, 'schema');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(workflowJsonSchema());
  });

  it('--out writes it to a file', async () => {
    const { code, stdout } = await cli(dir, 'schema', '--out', 'workflow.schema.json');
    expect(code).toBe(0);
    expect(stdout).toContain('wrote workflow.schema.json');
    const written = JSON.parse(readFileSync(join(dir, 'workflow.schema.json'), 'utf8')) as {
      title?: string;
    };
    expect(written.title).toBe('Waymark workflow');
  });
});
