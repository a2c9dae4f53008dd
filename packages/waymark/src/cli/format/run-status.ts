import type { RunRecord } from '../../core/run.ts';
import { isStepSettled, type StepRecord } from '../../core/step.ts';
import { formatSerializedError } from './error.ts';
import { prettyJson } from './json.ts';
import { type Style, styleStatus } from './style.ts';
import { formatTable } from './table.ts';
import { formatMs, formatTime } from './time.ts';

/** `waymark status`: the run, its current step, a table of its steps, its output or error. */
export function formatRunStatus(
  run: RunRecord,
  steps: StepRecord[],
  style: Style,
  now: number,
): string {
  const fields: [string, string][] = [
    ['Run', run.id],
    [
      'Workflow',
      run.workflowVersion === null
        ? run.workflowName
        : `${run.workflowName} (version ${run.workflowVersion})`,
    ],
    ['Status', styleStatus(style, run.status) + statusNote(run, now)],
    ...(run.definition === null
      ? []
      : [
          [
            'Definition',
            `${run.definition.file ?? '(no file)'} sha256:${run.definition.hash.slice(0, 12)}`,
          ] as [string, string],
        ]),
    ['Input', compactJson(run.input)],
    ['Created', formatTime(run.createdAt)],
    ['Started', formatTime(run.startedAt)],
    [
      'Finished',
      run.finishedAt === null
        ? '-'
        : `${formatTime(run.finishedAt)} (took ${formatMs(run.finishedAt - run.createdAt)})`,
    ],
  ];
  if (run.parentRunId !== null)
    fields.push(['Parent', `${run.parentRunId} (step ${run.parentStepKey ?? '?'})`]);
  if (run.idempotencyKey !== null) fields.push(['Idempotency', run.idempotencyKey]);
  const current = currentStep(steps);
  if (current !== null)
    fields.push(['Current step', `${current.key} (${current.kind}, ${current.status})`]);
  const width = Math.max(...fields.map(([label]) => label.length));
  let out = fields.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n') + '\n';

  out += `\n${formatStepsSection(steps, style)}`;
  if (run.status === 'completed') out += `\nOutput\n${indent(prettyJson(run.output) + '\n')}`;
  if (run.error !== null) {
    const e = run.error;
    out += `\nError\n  ${style.red(formatSerializedError(e))}\n`;
  }
  return out;
}

function statusNote(run: RunRecord, now: number): string {
  if (run.status === 'sleeping' || run.status === 'pending') {
    return run.wakeAt !== null && run.wakeAt > now ? ` (due ${formatTime(run.wakeAt)})` : '';
  }
  if (run.status === 'running' && run.leaseExpiresAt !== null) {
    const expired = run.leaseExpiresAt <= now ? 'expired' : 'expires';
    return ` (worker ${run.leaseOwner ?? '?'}, lease ${expired} ${formatTime(run.leaseExpiresAt)})`;
  }
  if (run.pauseRequested && run.status !== 'paused') return ' (pause requested)';
  return '';
}

/** The latest step that has not settled, else the last one started. */
function currentStep(steps: readonly StepRecord[]): StepRecord | null {
  const byStart = [...steps].sort((a, b) => a.startedAt - b.startedAt);
  const unsettled = byStart.filter((s) => !isStepSettled(s));
  return unsettled[unsettled.length - 1] ?? byStart[byStart.length - 1] ?? null;
}

/** `Steps` and a table of them: key, kind, status, attempts, duration (also `run --summary`). */
export function formatStepsSection(steps: StepRecord[], style: Style): string {
  return `Steps\n${steps.length === 0 ? '  (none yet)\n' : indent(formatStepTable(steps, style))}`;
}

function formatStepTable(steps: StepRecord[], style: Style): string {
  const rows = byStart(steps).map((s) => [
    s.key,
    s.kind,
    styleStatus(style, s.status),
    String(s.attempt),
    stepDuration(s),
  ]);
  return formatTable(['KEY', 'KIND', 'STATUS', 'ATTEMPTS', 'DURATION'], rows);
}

/** Steps in the order they started. */
export function byStart(steps: readonly StepRecord[]): StepRecord[] {
  return [...steps].sort((a, b) => a.startedAt - b.startedAt);
}

/** From the step's start to its end (a sleep's: to its wake time); null while unsettled. */
export function stepDurationMs(step: StepRecord): number | null {
  if (step.kind === 'sleep' && step.wakeAt !== null) return step.wakeAt - step.startedAt;
  return step.finishedAt === null ? null : step.finishedAt - step.startedAt;
}

function stepDuration(step: StepRecord): string {
  const ms = stepDurationMs(step);
  if (ms === null) return '-';
  const until =
    step.kind === 'sleep' && step.wakeAt !== null ? ` (until ${formatTime(step.wakeAt)})` : '';
  return `${formatMs(ms)}${until}`;
}

function compactJson(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');
}
