/**
 * Golden files: a normalized value compared with the JSON checked in next to the test.
 * `UPDATE_GOLDEN=1` rewrites them instead (formatted with the repo's Prettier settings, so
 * `prettier --check` accepts them); review the diff before committing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as prettier from 'prettier';
import { expect } from 'vitest';

export const UPDATE_GOLDEN = process.env['UPDATE_GOLDEN'] === '1';

export async function expectGolden(path: string, actual: unknown): Promise<void> {
  if (UPDATE_GOLDEN) {
    const options = (await prettier.resolveConfig(path)) ?? {};
    writeFileSync(
      path,
      await prettier.format(JSON.stringify(actual), { ...options, filepath: path }),
    );
    return;
  }
  if (!existsSync(path)) {
    throw new Error(`no golden file ${path}: run the test with UPDATE_GOLDEN=1 to write it`);
  }
  expect(
    JSON.parse(JSON.stringify(actual)),
    `differs from ${path} (UPDATE_GOLDEN=1 rewrites it)`,
  ).toStrictEqual(JSON.parse(readFileSync(path, 'utf8')));
}
