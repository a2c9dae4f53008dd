/**
 * Where `module:` points: a path (`./executors/deploy.ts`, `../lib/x.mjs`, `/abs/y.js`)
 * relative to the workflow's directory, or a bare name looked up as
 * `executors/<name>.{ts,mjs,js}` there. A module not found is an error naming every path tried.
 */
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { NonRetryableError } from '../../core/errors.ts';

export const MODULE_EXTENSIONS = ['.ts', '.mjs', '.js'] as const;
const BARE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export function isModulePath(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || isAbsolute(spec);
}

/** The absolute path of the module, or throws listing the paths tried. */
export function resolveModule(spec: string, baseDir: string): string {
  let tried: string[];
  if (isModulePath(spec)) tried = [resolve(baseDir, spec)];
  else if (BARE_NAME.test(spec)) {
    tried = MODULE_EXTENSIONS.map((ext) => resolve(baseDir, 'executors', `${spec}${ext}`));
  } else {
    throw new NonRetryableError(
      `module "${spec}" is neither a path (./…, ../…, /…) nor a bare name (letters, digits, . _ -)`,
    );
  }
  const found = tried.find((path) => statSync(path, { throwIfNoEntry: false })?.isFile() === true);
  if (found !== undefined) return found;
  throw new NonRetryableError(`module "${spec}" not found; tried: ${tried.join(', ')}`, {
    details: { tried },
  });
}
