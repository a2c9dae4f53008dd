/**
 * Where the CLI's store lives: a SQLite file path, or a PostgreSQL URL
 * (`postgres://user:password@host:5432/db?schema=name`; `schema` is Waymark's, default
 * `waymark`, and is taken off before the URL reaches the driver).
 */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export interface PostgresLocation {
  url: string;
  schema: string | undefined;
}

export function parsePostgresLocation(location: string): PostgresLocation {
  const query = location.indexOf('?');
  if (query < 0) return { url: location, schema: undefined };
  const params = new URLSearchParams(location.slice(query + 1));
  const schema = params.get('schema') ?? undefined;
  params.delete('schema');
  const rest = params.toString();
  return { url: location.slice(0, query) + (rest === '' ? '' : `?${rest}`), schema };
}

/** The location as it may be shown: a URL's password replaced by `***`. */
export function describeDb(location: string): string {
  return isPostgresUrl(location)
    ? location.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/i, '$1***@')
    : location;
}
