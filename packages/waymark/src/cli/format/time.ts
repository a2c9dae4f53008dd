import { formatDuration } from '../../core/durations.ts';

/** A time as ISO 8601 UTC, or `-`. */
export function formatTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString();
}

/** A time for table columns: `2025-01-31 12:00:00` (UTC, whole seconds). */
export function formatShortTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** A duration, or `-` when unknown. */
export function formatMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : formatDuration(Math.max(0, ms));
}
