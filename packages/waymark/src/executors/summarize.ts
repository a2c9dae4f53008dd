/** Short, masked summaries of an executor's input and output, for its history events and logs. */

/** At most this many characters of JSON. */
export const SUMMARY_LENGTH = 200;

/**
 * The value as JSON, cut to `max` characters. `mask` runs on the whole text first, so the
 * cut never leaves a piece of a secret.
 */
export function summarize(
  value: unknown,
  mask: (text: string) => string,
  max = SUMMARY_LENGTH,
): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? 'undefined';
  } catch {
    text = String(value);
  }
  return cutText(text, mask, max);
}

/** The text masked, then cut to `max` characters. */
export function cutText(
  text: string,
  mask: (text: string) => string,
  max = SUMMARY_LENGTH,
): string {
  const masked = mask(text);
  return masked.length > max ? `${masked.slice(0, max)}…` : masked;
}
