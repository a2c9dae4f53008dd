/**
 * `npm run bench [-- --scenario <name>] [--repeat N] [--json] [--trace] [--profile]`
 *
 * Measures the engine on durable SQLite (file db, WAL, synchronous=FULL) with no-op steps,
 * next to the raw SQLite commit ceiling of the same disk, and checks the performance
 * targets. Each scenario runs in its own plain-node process (see compile-js.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { compileToJs } from './compile-js.ts';
import { summarizeCpuProfile } from './cpu-profile.ts';
import { type PostgresBenchOptions, runPostgresBench } from './postgres-bench.ts';
import type { RoundResult } from './measure.ts';
import {
  type BenchReport,
  checkTargets,
  formatReport,
  type ProfileReport,
  type ScenarioReport,
  summarize,
} from './report.ts';
import type { ChildMessage } from './scenario-child.ts';
import { findScenario, SCENARIOS, type Scenario } from './scenarios.ts';
import { measureSqliteCeiling } from './sqlite-ceiling.ts';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const BUILD_DIR = join(PACKAGE_DIR, 'node_modules', '.cache', 'waymark-bench');
const PROFILE_DIR = join(PACKAGE_DIR, 'node_modules', '.cache', 'waymark-bench-profiles');

const USAGE = `usage: npm run bench -- [options]
  --scenario <name>  run only this scenario (repeatable): ${SCENARIOS.map((s) => s.name).join(', ')}
  --repeat <n>       run each scenario n times, each in a new process; report medians (default 1)
  --json             print the report as JSON (npm run -s bench -- --json: no npm banner)
  --trace            count and time store calls per step (adds overhead)
  --profile          write a V8 CPU profile per scenario process (node --cpu-prof)

PostgreSQL (instead of the SQLite scenarios):
  --db <url>         postgres://… : the engine with 1, 2 and 4 worker processes on this server
  --workers <list>   worker process counts (default 1,2,4)
  --runs <n>         runs per round (default 500)
  --steps <n>        no-op steps per run (default 10)`;

interface BenchOptions {
  postgres?: undefined;
  scenarios: Scenario[];
  repeat: number;
  json: boolean;
  trace: boolean;
  profile: boolean;
}

function parseOptions(argv: string[]): BenchOptions | { postgres: PostgresBenchOptions } | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', multiple: true },
      repeat: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      trace: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      db: { type: 'string' },
      workers: { type: 'string', default: '1,2,4' },
      runs: { type: 'string', default: '500' },
      steps: { type: 'string', default: '10' },
    },
  });
  if (values.help) return null;
  if (values.db !== undefined) {
    const count = (flag: string, text: string): number => {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be an integer >= 1`);
      return n;
    };
    return {
      postgres: {
        url: values.db,
        workers: values.workers.split(',').map((w) => count('--workers', w.trim())),
        runs: count('--runs', values.runs),
        steps: count('--steps', values.steps),
        json: values.json,
        buildDir: BUILD_DIR,
      },
    };
  }
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat must be an integer >= 1');
  return {
    scenarios: values.scenario === undefined ? [...SCENARIOS] : values.scenario.map(findScenario),
    repeat,
    json: values.json,
    trace: values.trace,
    profile: values.profile,
  };
}

interface ChildRun {
  result: RoundResult;
  /** With `--profile`: the process's `.cpuprofile` (warm-up and start-up included). */
  profile: string | null;
}

/**
 * Runs one scenario in a fresh process of the plain-JS build; resolves with its result, which
 * the child prints as JSON on stdout. Not over an IPC channel (`fork`): a process with one
 * peaked ~5 MiB higher at W=2000 (103.5 vs 98.8 MiB, the same build), and a worker process is
 * not started with one.
 */
function runChild(scenario: Scenario, options: BenchOptions): Promise<ChildRun> {
  const execArgv = options.profile
    ? ['--cpu-prof', '--cpu-prof-interval=50', `--cpu-prof-dir=${PROFILE_DIR}`]
    : [];
  const args = [scenario.name, ...(options.trace ? ['--trace'] : [])];
  const child = spawn(
    process.execPath,
    [...execArgv, join(BUILD_DIR, 'bench', 'scenario-child.js'), ...args],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      let message: ChildMessage | undefined;
      try {
        message = JSON.parse(stdout) as ChildMessage;
      } catch {
        message = undefined;
      }
      if (message?.ok === true) resolve({ result: message.result, profile: profileOf(child.pid) });
      else if (message?.ok === false)
        reject(new Error(`scenario ${scenario.name}: ${message.error}`));
      else
        reject(new Error(`scenario ${scenario.name} exited (${signal ?? code}) without a result`));
    });
  });
}

/** node names its profile CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile. */
function profileOf(pid: number | undefined): string | null {
  if (pid === undefined || !existsSync(PROFILE_DIR)) return null;
  const file = readdirSync(PROFILE_DIR).find((name) => name.split('.')[3] === String(pid));
  return file === undefined ? null : join(PROFILE_DIR, file);
}

async function main(): Promise<void> {
  // Launched as `run-ts.mjs run-bench.ts …` or `node --import tsx run-bench.ts …`.
  const script = process.argv.findIndex((arg) => /run-bench\.[jt]s$/.test(arg));
  const options = parseOptions(process.argv.slice(script + 1));
  if (options === null) return console.log(USAGE);
  if (options.postgres !== undefined) {
    compileToJs(PACKAGE_DIR, BUILD_DIR);
    return runPostgresBench(options.postgres);
  }
  const log = (line: string): void => {
    if (!options.json) process.stderr.write(`${line}\n`);
  };

  compileToJs(PACKAGE_DIR, BUILD_DIR);
  if (options.profile) {
    rmSync(PROFILE_DIR, { recursive: true, force: true });
    mkdirSync(PROFILE_DIR, { recursive: true });
  }
  log('measuring the SQLite commit ceiling...');
  const ceiling = measureSqliteCeiling();

  const scenarios: ScenarioReport[] = [];
  const profiles: ProfileReport[] = [];
  for (const scenario of options.scenarios) {
    const samples: RoundResult[] = [];
    for (let i = 0; i < options.repeat; i++) {
      log(
        `running ${scenario.name} (${scenario.description})${options.repeat > 1 ? ` #${i + 1}` : ''}...`,
      );
      const { result, profile } = await runChild(scenario, options);
      samples.push(result);
      if (profile !== null) {
        profiles.push({
          scenario: scenario.name,
          path: profile,
          top: summarizeCpuProfile(profile),
        });
      }
    }
    scenarios.push(summarize(scenario.description, samples));
  }

  const report: BenchReport = {
    environment: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      sqlite: sqliteVersion(),
    },
    ceiling,
    scenarios,
    targets: checkTargets(scenarios),
    ...(options.profile ? { profiles } : {}),
  };
  console.log(options.json ? JSON.stringify(report, null, 2) : `\n${formatReport(report)}`);
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  } finally {
    db.close();
  }
}

await main();
