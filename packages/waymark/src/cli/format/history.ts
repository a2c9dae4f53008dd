import { formatDuration } from '../../core/durations.ts';
import type { HistoryEvent } from '../../core/history.ts';
import { asSerializedError, formatSerializedError } from './error.ts';
import { formatRecordedValue } from './run-event-line.ts';
import type { Style } from './style.ts';
import { formatTable } from './table.ts';
import { formatMs, formatTime } from './time.ts';

/** `waymark history`: every event in order, with the decision it records. */
export function formatHistory(events: readonly HistoryEvent[], style: Style): string {
  if (events.length === 0) return 'No events.\n';
  const rows = events.map((e) => [
    style.dim(formatTime(e.at)),
    colorType(style, e.type),
    e.stepKey ?? '',
    e.attempt === null ? '' : String(e.attempt),
    e.durationMs === null ? '' : formatMs(e.durationMs),
    describeEvent(e),
  ]);
  return formatTable(['TIME (UTC)', 'EVENT', 'STEP', 'ATTEMPT', 'DURATION', 'DETAILS'], rows);
}

function colorType(style: Style, type: string): string {
  if (type.endsWith('.failed') || type === 'run.cancelled') return style.red(type);
  if (type.endsWith('.succeeded') || type === 'run.completed') return style.green(type);
  if (
    type === 'step.retrying' ||
    type === 'step.cancelled' ||
    type === 'run.restarting' ||
    type === 'run.recovered'
  ) {
    return style.yellow(type);
  }
  return type;
}

/** The decision data of an event in words: errors, "attempt 2 of 5", delays, wake times. */
function describeEvent(event: HistoryEvent): string {
  const d = event.data;
  const parts: string[] = [];
  const text = (key: string): string | null =>
    typeof d[key] === 'string' ? (d[key] as string) : null;
  const time = (key: string): string | null =>
    typeof d[key] === 'number' ? formatTime(d[key] as number) : null;
  switch (event.type) {
    case 'run.created':
      if (d['version'] !== undefined && d['version'] !== null)
        parts.push(`version ${String(d['version'])}`);
      if (typeof d['delayMs'] === 'number' && d['delayMs'] > 0)
        parts.push(`delayed ${formatDuration(d['delayMs'])}`);
      if (text('idempotencyKey') !== null) parts.push(`idempotency key ${text('idempotencyKey')}`);
      if (text('parentRunId') !== null)
        parts.push(`child of ${text('parentRunId')} (step ${text('parentStepKey') ?? '?'})`);
      break;
    case 'run.started':
    case 'run.resumed':
    case 'run.recovered':
      if (text('worker') !== null) parts.push(`worker ${text('worker')}`);
      if (typeof d['recoveryCount'] === 'number' && d['recoveryCount'] > 0) {
        parts.push(`recovery ${d['recoveryCount']}`);
      }
      break;
    case 'run.parked': {
      const reasons = Array.isArray(d['reasons']) ? (d['reasons'] as unknown[]).join(', ') : '';
      if (reasons !== '') parts.push(reasons);
      if (time('wakeAt') !== null) parts.push(`until ${time('wakeAt')}`);
      const waitingOn = Array.isArray(d['waitingOn']) ? (d['waitingOn'] as unknown[]) : [];
      if (waitingOn.length > 0) parts.push(`waiting on ${waitingOn.join(', ')}`);
      break;
    }
    case 'step.failed':
      parts.push(errorText(d['error'], false));
      if (d['willRetry'] === true) parts.push('will retry');
      break;
    case 'step.retrying':
      if (text('message') !== null) parts.push(text('message') as string);
      if (time('wakeAt') !== null) parts.push(`at ${time('wakeAt')}`);
      break;
    case 'step.sleeping':
      if (time('wakeAt') !== null) parts.push(`until ${time('wakeAt')}`);
      break;
    case 'step.recorded':
      parts.push(formatRecordedValue(event.stepKey ?? '', d['value']));
      break;
    case 'step.waiting':
      parts.push(`child run ${String(d['childRunId'])} (${String(d['workflow'])})`);
      break;
    case 'run.restarting':
      if (text('message') !== null) parts.push(text('message') as string);
      parts.push(errorText(d['error'], true));
      break;
    case 'run.failed':
      parts.push(errorText(d['error'], true));
      break;
    default:
      // Any other event: its message or reason if it has one, else its data as JSON.
      if (text('message') !== null) parts.push(text('message') as string);
      else if (text('reason') !== null) parts.push(text('reason') as string);
      else if (Object.keys(d).length > 0) parts.push(JSON.stringify(d));
  }
  return parts.join('; ');
}

// A step event's own columns already say which step and attempt failed.
function errorText(value: unknown, withLocation: boolean): string {
  const error = asSerializedError(value);
  if (error === null) return '';
  return withLocation ? formatSerializedError(error) : `${error.code}: ${error.message}`;
}
