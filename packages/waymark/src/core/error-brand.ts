/**
 * The brand of Waymark's error classes, on each class's prototype. `Symbol.for` gives every
 * copy of the library the same symbol, so `instanceof` also holds for an error made by another
 * copy: a workflow module the CLI loads as CommonJS gets its own copy of `waymark` beside the
 * CLI's ESM one, and a project may have two installs. Brands are written-out names, not
 * `Class.name`, which a bundler may rename.
 */
const ERROR_CLASS = Symbol.for('waymark.errorClass');

type Branded = { [ERROR_CLASS]?: string };

/** Brands each class by the name it is listed under (the name it is exported as). */
export function brandErrorClasses(classes: Record<string, { prototype: object }>): void {
  for (const [name, errorClass] of Object.entries(classes)) {
    Object.defineProperty(errorClass.prototype, ERROR_CLASS, { value: `waymark.${name}` });
  }
}

/** Whether a prototype of `value` carries the brand of `errorClass` (false if it has none). */
export function hasSameBrand(value: unknown, errorClass: { prototype: object }): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (!Object.hasOwn(errorClass.prototype, ERROR_CLASS)) return false;
  const wanted = (errorClass.prototype as Branded)[ERROR_CLASS];
  for (let p = Object.getPrototypeOf(value) as Branded | null; p !== null;) {
    if (Object.hasOwn(p, ERROR_CLASS) && p[ERROR_CLASS] === wanted) return true;
    p = Object.getPrototypeOf(p) as Branded | null;
  }
  return false;
}
