import type { RunRecord } from '../../core/run.ts';
import { formatSerializedError } from './error.ts';
import { prettyJson } from './json.ts';
import type { Style } from './style.ts';
import { formatMs } from './time.ts';

/** The end of `waymark run`: how the run ended, then its output. Failures go to stderr. */
export function formatRunEnd(run: RunRecord, style: Style): { stdout: string; stderr: string } {
  const took = run.finishedAt === null ? '' : ` in ${formatMs(run.finishedAt - run.createdAt)}`;
  if (run.status === 'completed') {
    return {
      stdout: `${style.green('✔')} run completed${took}\n${prettyJson(run.output)}\n`,
      stderr: '',
    };
  }
  const why = run.error === null ? '' : `: ${formatSerializedError(run.error)}`;
  return {
    stdout: `${style.red('✖')} run ${run.status}${took}\n`,
    stderr: `waymark: error: run ${run.id} ${run.status}${why}\n`,
  };
}

/** `--json`: one object a script can rely on (with `--summary`, `steps` too). */
export function runSummary(run: RunRecord, steps?: unknown[]): Record<string, unknown> {
  const summary: Record<string, unknown> = { runId: run.id, status: run.status };
  if (run.status === 'completed' && run.output !== undefined) summary['output'] = run.output;
  if (run.error !== null) summary['error'] = run.error;
  if (steps !== undefined) summary['steps'] = steps;
  return summary;
}
