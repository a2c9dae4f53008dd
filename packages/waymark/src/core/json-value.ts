/** Checks a value survives JSON round trip unchanged in meaning; names the first bad path. */
export function findNonJsonValue(
  value: unknown,
  path = '$',
  /** Objects on the current path (created at the first object: scalars need none). */
  seen?: Set<object>,
): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${path} is ${value}, which JSON cannot hold`;
    case 'undefined':
      return path === '$' ? null : `${path} is undefined`;
    case 'bigint':
    case 'function':
    case 'symbol':
      return `${path} is a ${typeof value}`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen?.has(obj) === true) return `${path} is a circular reference`;
  if (obj instanceof Date) return null;
  const onPath = seen ?? new Set<object>();
  onPath.add(obj);
  try {
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) {
        const bad = findNonJsonValue(obj[i], `${path}[${i}]`, onPath);
        if (bad !== null) return bad;
      }
      return null;
    }
    const proto = Object.getPrototypeOf(obj) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const name = (obj.constructor as { name?: string } | undefined)?.name ?? 'object';
      return `${path} is a ${name} instance, not plain data`;
    }
    for (const [k, v] of Object.entries(obj)) {
      if (v === undefined) continue;
      const bad = findNonJsonValue(v, `${path}.${k}`, onPath);
      if (bad !== null) return bad;
    }
    return null;
  } finally {
    onPath.delete(obj);
  }
}
