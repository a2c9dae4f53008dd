/**
 * Scratch directories for tests: a fresh directory under the system's temp dir, removed when
 * the test that made it has finished (kept when it failed, for inspection). One made outside
 * a test (a module or describe body) is removed after the file's tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

const outsideTests = new Set<string>();

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  try {
    onTestFinished(({ task }) => {
      if (task.result?.state !== 'fail') remove(dir);
    });
  } catch {
    // Not inside a test: after the file's tests (or, inside a hook, when the process exits).
    try {
      afterAll(() => remove(dir));
    } catch {
      if (outsideTests.size === 0) process.once('exit', () => outsideTests.forEach(remove));
      outsideTests.add(dir);
    }
  }
  return dir;
}

function remove(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
