/** The worker settings an engine uses when its options leave them out. */
export const DEFAULT_WORKER_OPTIONS = {
  concurrency: 20,
  leaseMs: 30_000,
  pollMs: 1_000,
  shutdownGraceMs: 10_000,
} as const;
