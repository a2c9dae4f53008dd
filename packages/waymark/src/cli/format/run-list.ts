import type { RunRecord } from '../../core/run.ts';
import { type Style, styleStatus } from './style.ts';
import { formatTable } from './table.ts';
import { formatMs, formatShortTime } from './time.ts';

/** `waymark list`: one row per run, newest first (the store's order). */
export function formatRunList(runs: readonly RunRecord[], style: Style, now: number): string {
  if (runs.length === 0) return 'No runs.\n';
  const rows = runs.map((run) => [
    run.id,
    run.workflowName,
    styleStatus(style, run.status),
    formatShortTime(run.createdAt),
    run.finishedAt === null
      ? `${formatMs(now - run.createdAt)} so far`
      : formatMs(run.finishedAt - run.createdAt),
  ]);
  return formatTable(['ID', 'WORKFLOW', 'STATUS', 'CREATED (UTC)', 'DURATION'], rows);
}
