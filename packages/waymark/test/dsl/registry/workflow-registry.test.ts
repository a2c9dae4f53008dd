import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkflowValidationError } from '../../../src/dsl/diagnostics.ts';
import { createWorkflowRegistry, type WorkflowRegistry } from '../../../src/dsl/registry/index.ts';

const doc = (id: string, version = 1): string =>
  `id: ${id}\nname: ${id} flow\nversion: ${version}\nsteps:\n  - id: a\n    uses: noop\n`;

let root: string;
let dir: string;
let registry: WorkflowRegistry;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'waymark-registry-'));
  dir = join(root, 'workflows');
  registry = createWorkflowRegistry({ dir });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('workflow registry', () => {
  it('lists nothing when the directory does not exist yet', async () => {
    expect(await registry.list()).toEqual([]);
    expect(await registry.get('missing')).toBeUndefined();
  });

  it('creates {id}.workflow.yaml and gets it back with its document', async () => {
    const created = await registry.create(doc('deploy'));
    expect(created.file).toBe(join(dir, 'deploy.workflow.yaml'));
    expect(readFileSync(created.file, 'utf8')).toBe(doc('deploy'));
    const got = await registry.get('deploy');
    expect(got?.source).toBe(doc('deploy'));
    expect(got?.document?.name).toBe('deploy flow');
    expect(got?.diagnostics).toEqual([]);
  });

  it('lists by id, with invalid files marked', async () => {
    await registry.create(doc('b-flow'));
    await registry.create(doc('a-flow', 3));
    writeFileSync(join(dir, 'broken.workflow.yaml'), 'id: broken\nsteps: 3\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a workflow');
    const list = await registry.list();
    expect(list.map((w) => [w.id, w.version, w.valid])).toEqual([
      ['a-flow', 3, true],
      ['b-flow', 1, true],
      ['broken', undefined, false],
    ]);
  });

  it('refuses an existing id', async () => {
    await registry.create(doc('deploy'));
    await expect(registry.create(doc('deploy', 2))).rejects.toMatchObject({
      code: 'WORKFLOW_EXISTS',
    });
    expect((await registry.get('deploy'))?.document?.version).toBe(1);
  });

  it('refuses an invalid document, with every diagnostic, and writes nothing', async () => {
    const bad = 'id: Bad Id\nsteps:\n  - id: a\n    uses: nope\n';
    const error = await registry.create(bad, { file: 'bad.yaml' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowValidationError);
    const diagnostics = (error as WorkflowValidationError).diagnostics;
    expect(diagnostics.map((d) => [d.file, d.line])).toEqual([
      ['bad.yaml', 1],
      ['bad.yaml', 4],
    ]);
    expect(await registry.list()).toEqual([]);
  });

  it('updates in place, leaving no temporary file behind', async () => {
    await registry.create(doc('deploy'));
    await registry.update('deploy', doc('deploy', 2));
    expect((await registry.get('deploy'))?.document?.version).toBe(2);
    expect(readdirSync(dir)).toEqual(['deploy.workflow.yaml']);
  });

  it('refuses to update a missing workflow or one whose id differs', async () => {
    await expect(registry.update('deploy', doc('deploy'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await registry.create(doc('deploy'));
    await expect(registry.update('deploy', doc('other'))).rejects.toThrow(
      /registered as "deploy" but its id is "other"/,
    );
  });

  it('deletes, and says when there was nothing to delete', async () => {
    await registry.create(doc('deploy'));
    expect(await registry.delete('deploy')).toBe(true);
    expect(await registry.delete('deploy')).toBe(false);
    expect(await registry.list()).toEqual([]);
  });

  it('rejects ids that are not URL-safe instead of touching other paths', async () => {
    for (const id of ['../etc', 'a/b', 'UPPER', '']) {
      await expect(registry.get(id)).rejects.toMatchObject({ code: 'VALIDATION' });
      await expect(registry.delete(id)).rejects.toMatchObject({ code: 'VALIDATION' });
    }
  });

  it('reports a file whose id does not match its name as invalid', async () => {
    await registry.create(doc('deploy'));
    writeFileSync(join(dir, 'deploy.workflow.yaml'), doc('other'));
    const got = await registry.get('deploy');
    expect(got?.document).toBeUndefined();
    expect(got?.diagnostics[0]?.message).toContain('registered as "deploy" but its id is "other"');
  });

  it('lets one of two concurrent creates of the same id win', async () => {
    const results = await Promise.allSettled([
      registry.create(doc('race', 1)),
      registry.create(doc('race', 2)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(['race.workflow.yaml']);
  });
});
