import type { FunctionTime } from './cpu-profile.ts';
import type { RoundResult } from './measure.ts';
import type { SqliteCeiling } from './sqlite-ceiling.ts';
import { median } from './stats.ts';

export interface ScenarioReport {
  scenario: string;
  description: string;
  /** One result per repetition, each from its own process. */
  samples: RoundResult[];
  /** Median of every figure over the samples. */
  median: RoundResult;
}

export interface TargetCheck {
  label: string;
  scenario: string;
  metric: keyof RoundResult;
  comparison: '>=' | '<=';
  target: number;
  unit: string;
  value: number | null;
  pass: boolean | null;
  /** The lowest and highest over the repetitions: how close a miss is. */
  range: { min: number; max: number } | null;
}

export interface ProfileReport {
  scenario: string;
  path: string;
  /** Heaviest functions by self time. */
  top: FunctionTime[];
}

export interface BenchReport {
  environment: { node: string; platform: string; cpus: number; sqlite: string };
  ceiling: SqliteCeiling;
  scenarios: ScenarioReport[];
  targets: TargetCheck[];
  profiles?: ProfileReport[];
}

const TARGETS: ReadonlyArray<Omit<TargetCheck, 'value' | 'pass' | 'range'>> = [
  {
    label: 'steps/s, 500 runs x 10 steps',
    scenario: 'w500-s10',
    metric: 'stepsPerSec',
    comparison: '>=',
    target: 20_000,
    unit: 'steps/s',
  },
  {
    label: 'wall time per step, one 100-step run',
    scenario: 'w1-s100',
    metric: 'msPerStep',
    comparison: '<=',
    target: 0.5,
    unit: 'ms',
  },
  {
    label: 'p50 start->done, lone one-step run',
    scenario: 'sequential-20',
    metric: 'p50Ms',
    comparison: '<=',
    target: 2,
    unit: 'ms',
  },
  {
    label: 'peak RSS, 2000 runs at once',
    scenario: 'w2000-s1',
    metric: 'peakRssMiB',
    comparison: '<=',
    target: 100,
    unit: 'MiB',
  },
];

export function summarize(description: string, samples: RoundResult[]): ScenarioReport {
  const first = samples[0];
  if (first === undefined) throw new Error('a scenario report needs at least one sample');
  const medianResult = { ...first };
  for (const key of Object.keys(first) as Array<keyof RoundResult>) {
    if (typeof first[key] === 'number') {
      (medianResult as Record<string, unknown>)[key] = median(samples.map((s) => s[key] as number));
    }
  }
  return { scenario: first.scenario, description, samples, median: medianResult };
}

/** Targets of the scenarios that ran; the others are reported as not measured. */
export function checkTargets(scenarios: readonly ScenarioReport[]): TargetCheck[] {
  return TARGETS.map((target) => {
    const report = scenarios.find((s) => s.scenario === target.scenario);
    const value = report === undefined ? null : (report.median[target.metric] as number);
    const samples = report?.samples.map((sample) => sample[target.metric] as number) ?? [];
    const range =
      samples.length === 0 ? null : { min: Math.min(...samples), max: Math.max(...samples) };
    const pass =
      value === null
        ? null
        : target.comparison === '>='
          ? value >= target.target
          : value <= target.target;
    return { ...target, value, pass, range };
  });
}

export function formatReport(report: BenchReport): string {
  const { environment: env, ceiling } = report;
  const repeats = report.scenarios[0]?.samples.length ?? 1;
  const lines = [
    `Waymark bench - node ${env.node}, ${env.platform}, ${env.cpus} CPUs, SQLite ${env.sqlite} file db, WAL, synchronous=FULL`,
    repeats > 1 ? `(median of ${repeats} repetitions, each scenario in its own process)` : '',
    '',
    `SQLite ceiling: ${fmt(ceiling.commitsPerSec, 0)} single-row durable commits/s ` +
      `(${fmt(ceiling.msPerCommit, 3)} ms each); ${fmt(ceiling.batchedRowsPerSec, 0)} rows/s ` +
      `in ${ceiling.batchRows}-row commits`,
    '',
    table(
      [
        'scenario',
        'runs x steps',
        'wall ms',
        'steps/s',
        'runs/s',
        'p50 ms',
        'p99 ms',
        'ms/step',
        'cpu ms/step',
        'peak RSS MiB',
        'peak heap MiB',
        'disk ms/commit',
      ],
      report.scenarios.map(({ median: r }) => [
        r.scenario,
        `${r.workflows} x ${r.steps}`,
        fmt(r.wallMs, 1),
        fmt(r.stepsPerSec, 0),
        fmt(r.workflowsPerSec, 0),
        fmt(r.p50Ms, 2),
        fmt(r.p99Ms, 2),
        fmt(r.msPerStep, 3),
        fmt(r.cpuMsPerStep, 3),
        fmt(r.peakRssMiB, 1),
        fmt(r.peakHeapUsedMiB, 1),
        fmt(r.diskMsPerCommit, 3),
      ]),
    ),
    '',
    'p50/p99: start->done of one run (before engine.start to its result); cpu: all threads of',
    'the process; peak RSS: the whole scenario process (node and modules included); disk: one',
    'single-row durable commit, probed in the same process right after the measured round.',
    '',
    table(
      ['target', 'goal', 'measured', '', ...(repeats > 1 ? ['range of the repetitions'] : [])],
      report.targets.map((t) => [
        t.label,
        `${t.comparison} ${fmt(t.target, t.target < 10 ? 1 : 0)} ${t.unit}`,
        t.value === null ? 'not run' : `${fmt(t.value, t.value < 10 ? 3 : 1)} ${t.unit}`,
        t.pass === null ? '' : t.pass ? 'PASS' : 'MISS',
        ...(repeats > 1 ? [formatRange(t)] : []),
      ]),
    ),
  ];
  const traced = report.scenarios.filter((s) => s.median.storeCalls !== undefined);
  for (const { scenario, samples } of traced) {
    const calls = samples[0]?.storeCalls ?? {};
    lines.push('', `store calls per step, ${scenario} (first sample):`);
    lines.push(
      table(
        ['method', 'calls/step', 'mean ms to settle'],
        Object.entries(calls).map(([method, c]) => [method, fmt(c.perStep, 3), fmt(c.meanMs, 3)]),
      ),
    );
  }
  for (const profile of report.profiles ?? []) {
    // Time in native code (SQLite, fsync) shows as self time of the JS function calling it.
    lines.push('', `CPU profile, ${profile.scenario} (whole process): ${profile.path}`);
    lines.push(
      table(
        ['function', 'self %', 'total %'],
        profile.top.slice(0, 15).map((f) => [f.name, fmt(f.selfPct, 1), fmt(f.totalPct, 1)]),
      ),
    );
  }
  return lines.filter((line, i) => line !== '' || lines[i - 1] !== '').join('\n');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function fmt(value: number, digits: number): string {
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function formatRange(target: TargetCheck): string {
  if (target.range === null) return '';
  const digits = target.target < 10 ? 3 : 1;
  return `${fmt(target.range.min, digits)} - ${fmt(target.range.max, digits)}`;
}
