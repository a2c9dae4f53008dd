import type { NewHistoryEvent } from '../core/history.ts';
import { SecretMasker } from '../core/secret-masker.ts';
import type { StepRecord } from '../core/step.ts';

/**
 * Where secret values come from: names to values. The library never reads the environment;
 * the CLI passes `process.env`.
 */
export type SecretSource = Readonly<Record<string, string | undefined>>;

/**
 * The secrets of one run: their values, looked up in the engine's source when the run is
 * executed (never recorded, so a resumed run reads them again), and the masking of everything
 * the run writes. The values of the workflow's declared secrets are masked from the start,
 * read or not — a step can see a secret without asking for it (a shell inherits the
 * environment); a secret read by a name not declared is masked from then on.
 *
 * Masking applies to what is stored and announced: step outputs and errors, event data, the
 * run's input, output and error. Step names, keys and other identifiers are never masked:
 * replay finds steps by key.
 */
export class RunSecrets {
  private readonly masker = new SecretMasker();

  constructor(
    private readonly source: SecretSource | undefined,
    declared: readonly string[],
  ) {
    for (const name of declared) this.read(name);
  }

  /** The secret's value (undefined when the source has none); masked from now on. */
  read(name: string): string | undefined {
    const source = this.source;
    // Own properties only: a name like "toString" must not reach Object.prototype.
    const value = source !== undefined && Object.hasOwn(source, name) ? source[name] : undefined;
    if (typeof value !== 'string') return undefined;
    this.masker.add(value);
    return value;
  }

  /** JSON data (an output, an input, a serialized error) with every secret replaced by `***`. */
  mask<T>(value: T): T {
    return this.masker.maskValue(value);
  }

  maskStep(step: StepRecord): StepRecord {
    if (this.masker.isEmpty) return step;
    return { ...step, output: this.mask(step.output), error: this.mask(step.error) };
  }

  maskEvents(events: NewHistoryEvent[]): NewHistoryEvent[] {
    if (this.masker.isEmpty) return events;
    return events.map((event) =>
      event.data === undefined ? event : { ...event, data: this.mask(event.data) },
    );
  }
}
