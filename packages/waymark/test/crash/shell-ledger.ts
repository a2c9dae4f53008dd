/**
 * The ledger of the YAML crash tests: `shell` steps append a line when they start and when
 * they end (each line one small O_APPEND write, so it survives a SIGKILL of the CLI), and the
 * test adds a line for each kill:
 *
 *   start <stepKey> <attempt> <cli> <shellPid>
 *   end   <stepKey> <attempt> <cli> <shellPid>
 *   kill  <cli>
 *
 * `<cli>` names the `waymark` process that ran the step: the test gives each one a label in
 * `LEDGER_CLI`, which its shell steps inherit. (Not `$PPID`: a step spawned just before its
 * CLI was killed may start after, as an orphan whose parent is already init.) A killed CLI
 * does not take its step's process group with it (the group is detached so that cancelling
 * can kill it), so the step it was running may still write its lines after the kill.
 */
import { readFileSync } from 'node:fs';

export interface ShellLedgerLine {
  kind: 'start' | 'end';
  stepKey: string;
  attempt: number;
  cli: string;
}

export function readShellLedger(path: string): ShellLedgerLine[] {
  const lines: ShellLedgerLine[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const fields = raw.split(' ');
      const [kind, stepKey, attempt, cli] = fields;
      if ((kind === 'start' || kind === 'end') && fields.length === 5) {
        lines.push({
          kind,
          stepKey: stepKey as string,
          attempt: Number(attempt),
          cli: cli as string,
        });
      } else if (kind !== 'kill' && raw !== '') {
        throw new Error(`ledger line ${i} is malformed: ${JSON.stringify(raw)}`);
      }
    });
  return lines;
}

/** The step keys a process started, in order. */
export function startedBy(ledger: readonly ShellLedgerLine[], cli: string): string[] {
  return ledger.filter((l) => l.kind === 'start' && l.cli === cli).map((l) => l.stepKey);
}

/**
 * Steps of one process run one at a time: each `start` is followed by the `end` of the same
 * step before the process starts another; only a killed process may leave its last step open.
 */
export function interleavingProblems(
  ledger: readonly ShellLedgerLine[],
  cli: string,
  killed: boolean,
): string[] {
  const problems: string[] = [];
  let open: string | null = null;
  for (const line of ledger.filter((l) => l.cli === cli)) {
    if (line.kind === 'start') {
      if (open !== null) problems.push(`${cli} started ${line.stepKey} while ${open} ran`);
      open = line.stepKey;
    } else {
      if (open !== line.stepKey) problems.push(`${cli} ended ${line.stepKey}, not ${open}`);
      open = null;
    }
  }
  if (open !== null && !killed) problems.push(`${cli} never ended ${open}`);
  return problems;
}
