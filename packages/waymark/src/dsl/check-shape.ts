/**
 * Checks a parsed document against the schema, one step at a time: each step's kind is
 * picked from its keys first, so a typo in a kind (`parralel:`) is one "did you mean"
 * message rather than the errors of every alternative of a union.
 */
import { z } from 'zod';
import { type DocumentIssue, formatPath, isRecord } from './document-issue.ts';
import type { DocumentPath } from './parse-yaml.ts';
import {
  shallowStepKinds,
  shallowWorkflowSchema,
  STEP_KEYS_BY_KIND,
  STEP_KINDS,
  type StepKind,
} from './schema.ts';
import { closestMatch, didYouMean } from './suggest.ts';
import { nestedStepLists, rootStepLists } from './step-tree.ts';

const KIND_LIST = STEP_KINDS.join(', ');
const ALL_STEP_KEYS = [...new Set(Object.values(STEP_KEYS_BY_KIND).flat())];

/** What to say when a required key is missing, beyond naming it. */
const MISSING_KEY_HINTS: Record<string, string> = {
  max_iters: 'a loop needs an upper bound on its iterations so it always ends',
  id: 'the id names the workflow in URLs and in `waymark run <id>`',
  steps: 'a list of steps to run',
  branches: 'the list of steps that run concurrently',
  items: 'an expression "${ … }" giving the list to iterate over, or a list',
  workflow: 'the id or path of the workflow to run',
  when: 'an expression "${ … }" that must be true for this case',
  type: `one of string, number, integer, boolean, object, array, enum`,
};

export function checkWorkflowShape(value: unknown): DocumentIssue[] {
  if (!isRecord(value)) {
    return [
      { path: [], message: 'a workflow file is a mapping with "id" and "steps" or "stages"' },
    ];
  }
  const issues = zodIssues(shallowWorkflowSchema, value, []);
  for (const [path, list] of rootStepLists(value)) issues.push(...checkStepList(list, path));
  return issues;
}

function checkStepList(list: unknown[], path: DocumentPath): DocumentIssue[] {
  return list.flatMap((step, i) => checkStep(step, [...path, i]));
}

function checkStep(step: unknown, path: DocumentPath): DocumentIssue[] {
  if (!isRecord(step)) {
    return [{ path, message: `a step is a mapping with an id and one of: ${KIND_LIST}` }];
  }
  const keys = Object.keys(step);
  const kinds = keys.filter((k): k is StepKind => (STEP_KINDS as readonly string[]).includes(k));
  if (kinds.length === 0) return kindlessStep(keys, path);
  const [kind, second] = kinds as [StepKind, StepKind | undefined];
  if (second !== undefined) {
    return [
      {
        path: [...path, second],
        atKey: true,
        message: `a step has exactly one kind, this one has "${kind}" and "${second}"`,
        hint: `split it into two steps, or nest one in the other with "steps"`,
      },
    ];
  }
  const issues = zodIssues(shallowStepKinds[kind], step, path);
  for (const [listPath, list] of nestedStepLists(kind, step)) {
    issues.push(...checkStepList(list, [...path, ...listPath]));
  }
  return issues;
}

/** A step without a kind key: most often a misspelt one, reported once, where it is. */
function kindlessStep(keys: string[], path: DocumentPath): DocumentIssue[] {
  const unknown = keys.filter((k) => !ALL_STEP_KEYS.includes(k));
  const issues: DocumentIssue[] = [];
  let kindTypo = false;
  for (const key of unknown) {
    const match = closestMatch(key, ALL_STEP_KEYS);
    if (match !== undefined && (STEP_KINDS as readonly string[]).includes(match)) kindTypo = true;
    issues.push({
      path: [...path, key],
      atKey: true,
      message: `unknown key "${key}"${match === undefined ? '' : `; did you mean "${match}"?`}`,
      hint: `a step has exactly one of: ${KIND_LIST}`,
    });
  }
  if (!kindTypo) {
    issues.push({
      path,
      message: `a step needs one of: ${KIND_LIST}`,
      hint: 'e.g. "uses: log" with "with: { message: hi }"',
    });
  }
  return issues;
}

function zodIssues(schema: z.ZodType, value: unknown, base: DocumentPath): DocumentIssue[] {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return [];
  return result.error.issues.flatMap((issue) => toDocumentIssues(schema, issue, base));
}

function toDocumentIssues(
  schema: z.ZodType,
  issue: z.core.$ZodIssue,
  base: DocumentPath,
): DocumentIssue[] {
  const rel = issue.path.filter((p) => typeof p !== 'symbol') as Array<string | number>;
  const path = [...base, ...rel];
  if (issue.code === 'unrecognized_keys') {
    const allowed = objectKeysAt(schema, rel);
    return issue.keys.map((key) => ({
      path: [...path, key],
      atKey: true,
      message: `unknown key "${key}"${didYouMean(key, allowed)}`,
      ...(allowed.length > 0 ? { hint: `allowed here: ${allowed.join(', ')}` } : {}),
    }));
  }
  if (issue.code === 'invalid_type' && issue.input === undefined && rel.length > 0) {
    const key = String(rel[rel.length - 1]);
    const parent = path.slice(0, -1);
    const where = parent.length === 0 ? 'the workflow' : formatPath(parent);
    const hint = MISSING_KEY_HINTS[key];
    return [
      {
        path,
        message: `${where} is missing "${key}"`,
        ...(hint === undefined ? {} : { hint }),
      },
    ];
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0]?.message ?? issue.message;
    return [{ path, atKey: true, message: `${formatPath(path)}: ${lowerFirst(inner)}` }];
  }
  const where = path.length === 0 ? 'workflow' : formatPath(path);
  return [{ path, message: `${where}: ${lowerFirst(issue.message)}` }];
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** The keys the object schema at `path` (relative to `schema`) accepts, for suggestions. */
function objectKeysAt(schema: z.ZodType, path: ReadonlyArray<string | number>): string[] {
  let node: z.ZodType | undefined = schema;
  for (const segment of [...path, undefined]) {
    while (node instanceof z.ZodOptional || node instanceof z.ZodNullable) {
      node = node.unwrap() as z.ZodType;
    }
    if (segment === undefined) break;
    if (node instanceof z.ZodObject) node = node.shape[segment] as z.ZodType | undefined;
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else if (node instanceof z.ZodRecord) node = node.valueType as z.ZodType;
    else return [];
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}
