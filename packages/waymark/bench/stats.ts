import { readFileSync } from 'node:fs';

/** Nearest-rank percentile (`p` in 0..1) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] as number;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 0.5);
}

export const MIB = 1024 * 1024;

/**
 * The process's peak resident set size so far, in MiB: VmHWM on Linux, else `sampledPeak`.
 * Not getrusage's maxRSS: Linux carries it over from the forking parent through exec, so a
 * scenario forked from the (tsx-loaded, bigger) bench process would report the parent's RSS.
 */
export function peakRssMiB(sampledPeak: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match !== null) return Number(match[1]) / 1024;
  } catch {
    // Not Linux: fall back to sampling.
  }
  return sampledPeak / MIB;
}
