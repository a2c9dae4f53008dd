/** Pretty JSON for people: two-space indent, `undefined` shown as nothing. */
export function prettyJson(value: unknown): string {
  return value === undefined ? '(no output)' : (JSON.stringify(value, null, 2) ?? String(value));
}

/** A JSON document for `--json` output that scripts parse (pretty, one per command). */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
