import type { SerializedError } from '../../core/serialize-error.ts';

/** A run's or step's error in one line: `CODE: message (step "fetch", attempt 3)`. */
export function formatSerializedError(error: SerializedError): string {
  const where: string[] = [];
  if (error.step !== undefined) where.push(`step "${error.step}"`);
  if (error.attempt !== undefined) where.push(`attempt ${error.attempt}`);
  const head = `${error.code}: ${error.message}`;
  return where.length === 0 ? head : `${head} (${where.join(', ')})`;
}

/** The data of an event or record that might hold a serialized error. */
export function asSerializedError(value: unknown): SerializedError | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Partial<SerializedError>;
  return typeof v.message === 'string' && typeof v.code === 'string'
    ? (v as SerializedError)
    : null;
}
