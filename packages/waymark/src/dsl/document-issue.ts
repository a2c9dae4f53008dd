import type { DocumentPath } from './parse-yaml.ts';

/** A problem found at a path in the document; the loader turns it into a Diagnostic. */
export interface DocumentIssue {
  path: DocumentPath;
  message: string;
  hint?: string;
  /** Point at the last key of `path` rather than at its value. */
  atKey?: boolean;
  /**
   * Point at this character of the string at `path` (an expression inside it), where the
   * file's text allows; otherwise at the string's start.
   */
  index?: number;
  severity?: 'error' | 'warning';
}

/** `steps[2].with.command`: a path as a reader of the file would write it. */
export function formatPath(path: DocumentPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
