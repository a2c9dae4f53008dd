/**
 * Start-up cost: each command loads what it uses, when its action runs. `list` and `status`
 * read runs, so they load the store and the engine, never the YAML compiler, CEL or zod;
 * `validate` loads the YAML side, never the store. Checked in a real process, where the
 * module loader reports every import (vitest's own loader would hide them).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/storage/sqlite/index.ts';
import { REPO_ROOT, makeScratchDir, writeFixture } from './cli-harness.ts';

const LIST_IMPORTS = `
import { register as registerCjs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';
const loaded = new Set();
register({ onImport: (url) => loaded.add(url) });
registerCjs();
const { runCli } = await import(${JSON.stringify(join(REPO_ROOT, 'packages/waymark/src/cli/main.ts'))});
const code = await runCli(process.argv.slice(2), { stdout: () => {}, stderr: () => {} });
process.stdout.write(JSON.stringify({ code, loaded: [...loaded] }));
`;

let scratch: ReturnType<typeof makeScratchDir>;
let script: string;
beforeAll(async () => {
  scratch = makeScratchDir();
  script = writeFixture(scratch.dir, 'list-imports.mjs', LIST_IMPORTS);
  await (await openSqliteStore({ path: join(scratch.dir, 'runs.db') })).close();
});
afterAll(() => scratch.cleanup());

/** The source folders (`dsl`, `storage/sqlite`, …) and packages a command loaded. */
function importsOf(...argv: string[]): { code: number; folders: string[]; packages: string[] } {
  const result = spawnSync(process.execPath, [script, ...argv], {
    cwd: scratch.dir,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(result.stderr).toBe('');
  const { code, loaded } = JSON.parse(result.stdout) as { code: number; loaded: string[] };
  const folders = new Set<string>();
  const packages = new Set<string>();
  for (const url of loaded) {
    const source = /\/packages\/waymark\/src\/(.+)\/[^/]+$/.exec(url)?.[1];
    if (source !== undefined) folders.add(source);
    const dependency = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
    if (dependency !== undefined) packages.add(dependency);
  }
  return { code, folders: [...folders].sort(), packages: [...packages].sort() };
}

const YAML_SIDE = ['dsl', 'executors'];
const YAML_PACKAGES = ['@marcbachmann/cel-js', 'yaml', 'zod'];

describe('what a command loads', () => {
  it('list and status load the store and the engine, not the YAML compiler, CEL or zod', () => {
    for (const argv of [
      ['list', '--db', 'runs.db'],
      ['status', 'no-such-run', '--db', 'runs.db'],
    ]) {
      const { code, folders, packages } = importsOf(...argv);
      expect(code).toBe(argv[0] === 'list' ? 0 : 1); // no such run
      expect(folders).toContain('storage/sqlite');
      expect(folders).toContain('runtime');
      expect(folders.filter((f) => YAML_SIDE.some((y) => f.startsWith(y)))).toEqual([]);
      expect(packages.filter((p) => YAML_PACKAGES.includes(p))).toEqual([]);
    }
  });

  it('validate loads the YAML side, not the store', () => {
    writeFixture(scratch.dir, 'ok.workflow.yaml', 'id: ok\nsteps:\n  - id: a\n    uses: noop\n');
    const { code, folders, packages } = importsOf('validate', 'ok.workflow.yaml');
    expect(code).toBe(0);
    expect(folders).toContain('dsl');
    expect(folders.filter((f) => f.startsWith('storage'))).toEqual([]);
    expect(packages).not.toContain('better-sqlite3');
  });
});
