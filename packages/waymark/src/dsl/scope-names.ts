/** Names expressions use as scope roots: a step id or a `foreach.as` may not take them. */
import type { DocumentIssue } from './document-issue.ts';
import type { DocumentPath } from './parse-yaml.ts';

export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'inputs',
  'vars',
  'steps',
  'item',
  'iter',
  'stage',
  'run',
  'secrets',
]);

export function reservedName(name: string, path: DocumentPath): DocumentIssue {
  return {
    path,
    message: `"${name}" is a reserved name`,
    hint: `expressions use ${[...RESERVED_NAMES].join(', ')} as scope names; pick another`,
  };
}
