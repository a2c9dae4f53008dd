import type { RunDefinitionSource } from './run.ts';
import type { SerializedError } from './serialize-error.ts';

// How stores keep JSON values (inputs, outputs, errors) in text columns, the same in every
// adapter (`waymark migrate` copies records from one to another): the exact JSON text the
// engine wrote, with SQL NULL standing for `undefined`, so `null` and "nothing" stay distinct.

export function toJsonText(value: unknown): string | null {
  return JSON.stringify(value) ?? null;
}

export function fromJsonText(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

export function errorToText(error: SerializedError | null): string | null {
  return error === null ? null : JSON.stringify(error);
}

export function errorFromText(text: string | null): SerializedError | null {
  return text === null ? null : (JSON.parse(text) as SerializedError);
}

/** The columns a run's recorded definition is kept in. */
export interface DefinitionColumns {
  definition_source: string | null;
  definition_hash: string | null;
  definition_file: string | null;
  /** JSON of its nested definitions; NULL when none were recorded. */
  definition_nested: string | null;
}

export function definitionFromColumns(row: DefinitionColumns): RunDefinitionSource | null {
  if (row.definition_source === null || row.definition_hash === null) return null;
  const definition = {
    source: row.definition_source,
    hash: row.definition_hash,
    file: row.definition_file,
  };
  if (row.definition_nested === null) return definition;
  return {
    ...definition,
    nested: JSON.parse(row.definition_nested) as Record<string, RunDefinitionSource>,
  };
}
