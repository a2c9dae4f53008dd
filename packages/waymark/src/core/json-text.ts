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
