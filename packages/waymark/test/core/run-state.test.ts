import { describe, expect, it } from 'vitest';
import {
  RUN_STATUSES,
  type RunStatus,
  canTransition,
  isRunStatus,
  isTerminalStatus,
} from '../../src/core/run.ts';

const TERMINAL: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];
const PARKED: readonly RunStatus[] = ['pending', 'sleeping', 'waiting', 'paused'];

describe('isTerminalStatus', () => {
  it.each(RUN_STATUSES.map((s) => [s, TERMINAL.includes(s)] as const))(
    '%s → %s',
    (status, terminal) => {
      expect(isTerminalStatus(status)).toBe(terminal);
    },
  );

  it('covers exactly the eight statuses of the design', () => {
    expect([...RUN_STATUSES].sort()).toEqual(
      [
        'cancelled',
        'completed',
        'failed',
        'paused',
        'pending',
        'running',
        'sleeping',
        'waiting',
      ].sort(),
    );
  });
});

describe('isRunStatus', () => {
  it('accepts every status and rejects other text', () => {
    for (const s of RUN_STATUSES) expect(isRunStatus(s)).toBe(true);
    for (const s of ['', 'done', 'RUNNING', 'queued']) expect(isRunStatus(s)).toBe(false);
  });
});

describe('canTransition', () => {
  it('never leaves a terminal status', () => {
    for (const from of TERMINAL) {
      for (const to of RUN_STATUSES) expect(canTransition(from, to), `${from} → ${to}`).toBe(false);
    }
  });

  it('follows the happy path pending → running → completed', () => {
    expect(canTransition('pending', 'running')).toBe(true);
    expect(canTransition('running', 'completed')).toBe(true);
  });

  it('lets a running run park in any parked status and finish in any terminal one', () => {
    for (const to of [...PARKED, ...TERMINAL]) expect(canTransition('running', to), to).toBe(true);
  });

  it('allows running → running (a crashed worker’s run is reclaimed)', () => {
    expect(canTransition('running', 'running')).toBe(true);
  });

  it('only ends a run from running, except cancel, which works from anywhere not terminal', () => {
    for (const from of PARKED) {
      expect(canTransition(from, 'completed'), from).toBe(false);
      expect(canTransition(from, 'failed'), from).toBe(false);
      expect(canTransition(from, 'cancelled'), from).toBe(true);
    }
  });

  it('wakes sleeping and waiting runs (claimed directly, or made due)', () => {
    for (const from of ['sleeping', 'waiting'] as const) {
      expect(canTransition(from, 'running')).toBe(true);
      expect(canTransition(from, 'pending')).toBe(true);
    }
  });

  it('pauses a parked run at once and resumes it to the status it was parked with', () => {
    for (const from of ['pending', 'sleeping', 'waiting'] as const) {
      expect(canTransition(from, 'paused'), from).toBe(true);
      expect(canTransition('paused', from), from).toBe(true);
    }
  });

  it('never runs a paused run without a resume first', () => {
    expect(canTransition('paused', 'running')).toBe(false);
  });

  it('does not claim a run straight into a parked status', () => {
    expect(canTransition('pending', 'sleeping')).toBe(false);
    expect(canTransition('pending', 'waiting')).toBe(false);
    expect(canTransition('pending', 'pending')).toBe(false);
  });
});
