/**
 * What a workflow document declares for its expressions: the step ids and stage names
 * `steps.<id>` may name, the types of its inputs, and its vars.
 */
import { isRecord } from '../document-issue.ts';
import type { ExprType } from '../expressions/index.ts';
import { allSteps } from '../step-tree.ts';

export function inputTypes(inputs: unknown): Record<string, ExprType> {
  if (!isRecord(inputs)) return {};
  const out: Record<string, ExprType> = {};
  for (const [name, spec] of Object.entries(inputs)) {
    const type = isRecord(spec) ? spec.type : undefined;
    out[name] = exprTypeOfInput(type, isRecord(spec) ? spec.values : undefined);
  }
  return out;
}

function exprTypeOfInput(type: unknown, values: unknown): ExprType {
  switch (type) {
    case 'string':
      return 'string';
    case 'number':
      return 'double';
    case 'integer':
      return 'int';
    case 'boolean':
      return 'bool';
    case 'object':
      return 'map';
    case 'array':
      return 'list';
    case 'enum':
      return Array.isArray(values) && values.every((v) => typeof v === 'string') ? 'string' : 'dyn';
    default:
      return 'dyn';
  }
}

/** `vars:` and every name a `set` step assigns. Their types change, so they are `dyn`. */
export function varNames(doc: Record<string, unknown>): Record<string, ExprType> {
  const out: Record<string, ExprType> = {};
  if (isRecord(doc.vars)) for (const k of Object.keys(doc.vars)) out[k] = 'dyn';
  for (const { step } of allSteps(doc)) {
    if (step.uses === 'set' && isRecord(step.with)) {
      for (const k of Object.keys(step.with)) out[k] = 'dyn';
    }
  }
  if (isRecord(doc.stage_configs)) {
    for (const c of Object.values(doc.stage_configs)) {
      if (isRecord(c) && c.uses === 'set' && isRecord(c.with)) {
        for (const k of Object.keys(c.with)) out[k] = 'dyn';
      }
    }
  }
  return out;
}
