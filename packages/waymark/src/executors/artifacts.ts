/**
 * A step's artifacts directory, `<root>/<runId>/<stepId>/`: made when an executor first asks
 * for it, and listed when it returns. The files in it (and the paths its result names) are
 * the step's artifacts, recorded with its output as `steps.<id>.artifacts`.
 */
import { mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** The default root, under the process's working directory. */
export const DEFAULT_ARTIFACTS_ROOT = '.waymark/artifacts';

export class StepArtifacts {
  private made = false;
  private readonly path: string;

  constructor(root: string, runId: string, stepId: string) {
    this.path = resolve(root, pathSegment(runId), pathSegment(stepId));
  }

  /** The directory, created on first use. */
  get dir(): string {
    if (!this.made) {
      mkdirSync(this.path, { recursive: true });
      this.made = true;
    }
    return this.path;
  }

  /** How many files the directory holds now (none when it was never used). */
  count(): number {
    return this.made ? listFiles(this.path).length : 0;
  }

  /**
   * Absolute paths of the files in the directory (when it was used) and of `named`
   * (relative ones resolved against the directory), sorted, without duplicates. An empty
   * directory is removed again, and the run's directory with it when that is empty too.
   */
  collect(named: readonly string[] = []): string[] {
    const found = new Set<string>();
    if (this.made) {
      const files = listFiles(this.path);
      if (files.length === 0) {
        removeEmpty(this.path);
        // The run's directory too, if no other step of the run left anything in it.
        removeEmpty(dirname(this.path));
      }
      for (const file of files) found.add(file);
    }
    for (const path of named) found.add(isAbsolute(path) ? path : resolve(this.path, path));
    return [...found].sort();
  }
}

/**
 * A step key as one path segment: `/`, `\\` and control characters become `_`, and `.` or
 * `..` cannot climb out of the run's directory.
 */
export function pathSegment(key: string): string {
  const safe = key.replace(/[/\\\u0000-\u001f]/g, '_');
  return safe === '.' || safe === '..' || safe === '' ? `_${safe}` : safe;
}

function listFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // removed by the executor itself
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}

function removeEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty after all (a directory without files), or already gone
  }
}
