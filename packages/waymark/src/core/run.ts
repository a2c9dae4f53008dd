import type { SerializedError } from './serialize-error.ts';

/**
 * Run state machine:
 *   pending → running → (sleeping | waiting | paused | pending) → running → …
 *           → completed | failed | cancelled
 * `pending`, `sleeping` and `waiting` are parked states: the run holds no lease and is due
 * when `wakeAt <= now`. A `waiting` run has no wake time until a child it awaits ends.
 * A `running` run whose lease expired is reclaimed by any worker (crash recovery).
 */
export type RunStatus =
  'pending' | 'running' | 'sleeping' | 'waiting' | 'paused' | 'completed' | 'failed' | 'cancelled';

export const RUN_STATUSES: readonly RunStatus[] = [
  'pending',
  'running',
  'sleeping',
  'waiting',
  'paused',
  'completed',
  'failed',
  'cancelled',
];

export type TerminalRunStatus = 'completed' | 'failed' | 'cancelled';
/** How runs (and steps) end. */
export const TERMINAL_RUN_STATUSES: readonly TerminalRunStatus[] = [
  'completed',
  'failed',
  'cancelled',
];
export type ParkedRunStatus = 'pending' | 'sleeping' | 'waiting' | 'paused';

const TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  pending: ['running', 'paused', 'cancelled'],
  running: [
    'pending',
    'sleeping',
    'waiting',
    'paused',
    'running',
    'completed',
    'failed',
    'cancelled',
  ],
  sleeping: ['running', 'pending', 'paused', 'cancelled'],
  waiting: ['running', 'pending', 'paused', 'cancelled'],
  paused: ['pending', 'sleeping', 'waiting', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

export function isTerminalStatus(status: RunStatus): status is TerminalRunStatus {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

export function isRunStatus(value: string): value is RunStatus {
  return (RUN_STATUSES as readonly string[]).includes(value);
}

/** Whether the state machine allows `from → to` (`running → running` is a reclaim). */
export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export interface RunRecord {
  /** UUIDv7: sorts by creation time. */
  id: string;
  workflowName: string;
  workflowVersion: string | null;
  status: RunStatus;
  input: unknown;
  /** The workflow's return value once completed (undefined before, or when it returned nothing). */
  output: unknown;
  error: SerializedError | null;
  parentRunId: string | null;
  /** The parent's step key that awaits this run. */
  parentStepKey: string | null;
  idempotencyKey: string | null;
  createdAt: number;
  updatedAt: number;
  /** First time a worker picked the run up. */
  startedAt: number | null;
  finishedAt: number | null;
  /** When a parked run is due. Null while it waits for a child, and once terminal. */
  wakeAt: number | null;
  /** The workflow deadline (its `timeout`), fixed when the run is created. */
  deadlineAt: number | null;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  /** Incremented by every claim; every write about the run must carry the current value. */
  fencingToken: number;
  /** Crash recoveries and panic restarts since the last recorded step result. */
  recoveryCount: number;
  /** A pause was asked for; the run parks as `paused` at its next step boundary. */
  pauseRequested: boolean;
  /**
   * The exact definition the run started with (a YAML workflow's text), so editing the file
   * never changes a run in flight. Null for code workflows.
   */
  definition: RunDefinitionSource | null;
}

/** What waiting for a run's end needs to know: how it ended, and its output or error. */
export type EndedRun = Pick<RunRecord, 'id' | 'status' | 'output' | 'error'>;

/** A recorded workflow definition: its source text, the sha256 hex of it, and its file. */
export interface RunDefinitionSource {
  source: string;
  hash: string;
  file: string | null;
  /**
   * The workflows its `run` steps name, by the reference as written (`notify`,
   * `./deploy.workflow.yaml`), as they were when the run started: a run resumed later starts
   * these, whatever the files say by then. Absent from runs recorded without them.
   */
  nested?: Record<string, RunDefinitionSource>;
}

/** A key that is the same for two recorded definitions exactly when they and their nested ones are. */
export function definitionIdentity(definition: RunDefinitionSource): string {
  const { nested } = definition;
  if (nested === undefined) return definition.hash;
  const parts = Object.keys(nested)
    .sort()
    .map((ref) => [ref, definitionIdentity(nested[ref] as RunDefinitionSource)]);
  return JSON.stringify([definition.hash, parts]);
}
