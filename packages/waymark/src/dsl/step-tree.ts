/**
 * Walking the steps of a document that may not be valid: checks read the fields they need
 * and skip what is malformed, which the shape checker reports.
 */
import { isRecord } from './document-issue.ts';
import type { DocumentPath } from './parse-yaml.ts';
import { STEP_KINDS, type StepKind } from './schema.ts';

export interface StepVisit {
  step: Record<string, unknown>;
  path: DocumentPath;
  /** The first kind key the step has, if any. */
  kind: StepKind | undefined;
}

export function stepKindOf(step: Record<string, unknown>): StepKind | undefined {
  return STEP_KINDS.find((kind) => kind in step);
}

/** The step lists nested in a step of `kind`, with their paths relative to the step. */
export function nestedStepLists(
  kind: StepKind,
  step: Record<string, unknown>,
): Array<[DocumentPath, unknown[]]> {
  const body = step[kind];
  const out: Array<[DocumentPath, unknown[]]> = [];
  const add = (path: DocumentPath, list: unknown): void => {
    if (Array.isArray(list)) out.push([path, list]);
  };
  if (kind === 'steps') add(['steps'], body);
  if (!isRecord(body)) return out;
  if (kind === 'parallel') add(['parallel', 'branches'], body.branches);
  if (kind === 'foreach' || kind === 'loop') add([kind, 'steps'], body.steps);
  if (kind === 'switch') {
    if (Array.isArray(body.cases)) {
      body.cases.forEach((c, i) => {
        if (isRecord(c)) add(['switch', 'cases', i, 'steps'], c.steps);
      });
    }
    add(['switch', 'default'], body.default);
  }
  return out;
}

/** The top-level step lists of a workflow: `steps` and each stage's `steps`. */
export function rootStepLists(doc: Record<string, unknown>): Array<[DocumentPath, unknown[]]> {
  const out: Array<[DocumentPath, unknown[]]> = [];
  if (Array.isArray(doc.steps)) out.push([['steps'], doc.steps]);
  if (isRecord(doc.stage_configs)) {
    for (const [name, config] of Object.entries(doc.stage_configs)) {
      if (isRecord(config) && Array.isArray(config.steps)) {
        out.push([['stage_configs', name, 'steps'], config.steps]);
      }
    }
  }
  return out;
}

/** Every step of the workflow, in document order. */
export function allSteps(doc: Record<string, unknown>): StepVisit[] {
  const out: StepVisit[] = [];
  const visitList = (path: DocumentPath, list: unknown[]): void => {
    list.forEach((step, i) => {
      if (!isRecord(step)) return;
      const stepPath = [...path, i];
      const kind = stepKindOf(step);
      out.push({ step, path: stepPath, kind });
      if (kind === undefined) return;
      for (const [rel, nested] of nestedStepLists(kind, step))
        visitList([...stepPath, ...rel], nested);
    });
  };
  for (const [path, list] of rootStepLists(doc)) visitList(path, list);
  return out;
}

/** Step ids and stage names: what `steps.<id>` may name. */
export function knownStepIds(doc: Record<string, unknown>): Set<string> {
  const ids = new Set<string>();
  for (const { step } of allSteps(doc)) if (typeof step.id === 'string') ids.add(step.id);
  if (Array.isArray(doc.stages)) for (const s of doc.stages) if (typeof s === 'string') ids.add(s);
  return ids;
}
