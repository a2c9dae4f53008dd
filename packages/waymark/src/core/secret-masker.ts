/** What a secret value is replaced by, as GitHub Actions does. */
export const SECRET_MASK = '***';

/**
 * Values shorter than this are not masked: a one- or two-character "secret" would turn every
 * `1` or `ok` in every output into `***` and hide far more than it protects.
 */
export const MIN_SECRET_LENGTH = 3;

/**
 * Replaces secret values by `***` in text and in JSON data, so they are never persisted or
 * shown.
 *
 * Registered for each value (of at least MIN_SECRET_LENGTH characters; shorter and empty ones
 * are ignored):
 * - the value itself;
 * - its JSON-escaped form (`a"b` as `a\"b`), the way it appears in JSON text a step prints;
 * - each line of a multi-line value (a key file), since line-oriented output splits it.
 *
 * Every occurrence of every registered form is covered, overlapping ones included, before
 * anything is replaced: a secret inside a longer one, or two secrets that overlap, leave no
 * part of either visible, whatever the order they were added in.
 *
 * @example
 * const masker = new SecretMasker(['hunter22']);
 * masker.mask('password: hunter22'); // 'password: ***'
 * masker.maskValue({ auth: ['Bearer hunter22'], n: 1 }); // { auth: ['Bearer ***'], n: 1 }
 */
export class SecretMasker {
  /** The forms to mask, longest first (for readers; the covering makes order irrelevant). */
  private forms: string[] = [];

  constructor(values: Iterable<string> = []) {
    for (const value of values) this.add(value);
  }

  /** True when nothing is masked (no value long enough was added). */
  get isEmpty(): boolean {
    return this.forms.length === 0;
  }

  /** Registers a secret value; masking applies to everything masked from now on. */
  add(value: string): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
    const forms = new Set(this.forms);
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
    if (/[\r\n]/.test(value)) for (const line of value.split(/\r?\n|\r/)) forms.add(line);
    this.forms = [...forms]
      .filter((form) => form.length >= MIN_SECRET_LENGTH)
      .sort((a, b) => b.length - a.length);
  }

  /** The text with every occurrence of a secret replaced by `***`. */
  mask(text: string): string {
    if (this.forms.length === 0 || text.length < MIN_SECRET_LENGTH) return text;
    const ranges: Array<[number, number]> = [];
    for (const form of this.forms) {
      for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) {
        ranges.push([at, at + form.length]);
      }
    }
    if (ranges.length === 0) return text;
    ranges.sort((a, b) => a[0] - b[0]);
    let out = '';
    let copiedTo = 0;
    let [start, end] = ranges[0] as [number, number];
    for (const [from, to] of ranges) {
      if (from <= end) {
        end = Math.max(end, to);
        continue;
      }
      out += text.slice(copiedTo, start) + SECRET_MASK;
      copiedTo = end;
      [start, end] = [from, to];
    }
    return out + text.slice(copiedTo, start) + SECRET_MASK + text.slice(end);
  }

  /**
   * JSON data with every string masked, object keys included; numbers, booleans and null are
   * left as they are. Returns the same object when nothing had to change (no copy of a large
   * output without secrets). Class instances other than plain objects and arrays are returned
   * as they are: what is masked here is data about to be stored as JSON.
   */
  maskValue<T>(value: T): T {
    if (this.forms.length === 0) return value;
    return this.maskDeep(value) as T;
  }

  private maskDeep(value: unknown): unknown {
    if (typeof value === 'string') return this.mask(value);
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) {
      let changed = false;
      const items = value.map((item: unknown) => {
        const masked = this.maskDeep(item);
        if (masked !== item) changed = true;
        return masked;
      });
      return changed ? items : value;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const maskedKey = this.mask(key);
      const masked = this.maskDeep(item);
      if (maskedKey !== key || masked !== item) changed = true;
      // defineProperty: a "__proto__" key (JSON.parse makes them) stays an own property.
      Object.defineProperty(out, maskedKey, {
        value: masked,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return changed ? out : value;
  }
}
