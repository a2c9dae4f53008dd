import { readFileSync } from 'node:fs';

/**
 * Whether a process is alive: running, and not a zombie nobody has reaped yet (PID 1 of a
 * container may never reap one). Linux (/proc).
 */
export function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
