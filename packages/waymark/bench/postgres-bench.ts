/**
 * `npm run bench -- --db postgres://… [--workers 1,2,4] [--runs 500] [--steps 10] [--json]`
 *
 * The engine on PostgreSQL with 1, 2 and 4 worker processes sharing one database: a client
 * creates all runs at once (no-op steps), the workers execute them, and the database's own
 * times give steps/s and the start->done latency of each run. Next to it, the raw rate of
 * single-row commits on one connection to the same server, measured in the same run: the
 * most a store committing once per step could reach.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { createEngine } from '../src/index.ts';
import { openPostgresStore, redactUrl } from '../src/storage/postgres/index.ts';
import { noopWorkflow } from './noop-workflow.ts';
import type { WorkerMessage } from './postgres-worker.ts';
import { percentile } from './stats.ts';

export interface PostgresBenchOptions {
  url: string;
  workers: number[];
  runs: number;
  steps: number;
  json: boolean;
  /** Where compile-js.ts put the plain-JS build the worker processes run. */
  buildDir: string;
}

interface WorkerRound {
  workers: number;
  runs: number;
  steps: number;
  wallMs: number;
  stepsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

interface PostgresBenchReport {
  server: string;
  commit: { commitsPerSec: number; msPerCommit: number };
  rounds: WorkerRound[];
  target: { label: string; value: number | null; pass: boolean | null };
}

const TARGET_STEPS_PER_SEC = 10_000;
const WARMUP_ROUNDS = 3;

export async function runPostgresBench(options: PostgresBenchOptions): Promise<void> {
  const log = (line: string): void => {
    if (!options.json) process.stderr.write(`${line}\n`);
  };
  log(`measuring single-row commits on ${redactUrl(options.url)}...`);
  const { server, commit } = await measureCommits(options.url);
  const rounds: WorkerRound[] = [];
  for (const workers of options.workers) {
    log(
      `running ${options.runs} runs x ${options.steps} steps on ${workers} worker process(es)...`,
    );
    rounds.push(await measureRound(options, workers));
  }
  const four = rounds.find((r) => r.workers === 4 && r.runs === 500 && r.steps === 10);
  const report: PostgresBenchReport = {
    server,
    commit,
    rounds,
    target: {
      label: `steps/s, 500 runs x 10 steps, 4 workers >= ${TARGET_STEPS_PER_SEC}`,
      value: four?.stepsPerSec ?? null,
      pass: four === undefined ? null : four.stepsPerSec >= TARGET_STEPS_PER_SEC,
    },
  };
  console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
}

/** One round: a fresh schema, `workers` processes, all runs created at once. */
async function measureRound(options: PostgresBenchOptions, workers: number): Promise<WorkerRound> {
  const schema = `wm_bench_${randomBytes(4).toString('hex')}`;
  const store = await openPostgresStore({ url: options.url, schema, notifications: false });
  const children = Array.from({ length: workers }, (_, i) =>
    startWorker(options, schema, `bench-${i + 1}`),
  );
  try {
    await Promise.all(children.map((c) => c.ready));
    const client = createEngine({ store, worker: false });
    const workflow = noopWorkflow(options.steps);
    // Warm-up rounds of the same size first, as in the SQLite bench, so the measured one
    // runs a warmed-up worker: V8 optimizes the hot paths only after thousands of calls,
    // and each worker process sees only its share of the runs.
    for (let round = 0; round < WARMUP_ROUNDS; round++) {
      await untilEnded(store, await startRuns(client, workflow, options.runs));
    }
    const started = Date.now();
    const ids = await startRuns(client, workflow, options.runs);
    await untilEnded(store, ids);
    const latencies: number[] = [];
    let lastEnd = started;
    for (const id of ids) {
      const run = await store.getRun({ runId: id });
      if (run?.status !== 'completed' || run.finishedAt === null) {
        throw new Error(`run ${id} ended ${run?.status ?? 'missing'}`);
      }
      latencies.push(run.finishedAt - run.createdAt);
      lastEnd = Math.max(lastEnd, run.finishedAt);
    }
    await client.stop();
    const wallMs = Math.max(1, lastEnd - started);
    return {
      workers,
      runs: options.runs,
      steps: options.steps,
      wallMs,
      stepsPerSec: (options.runs * options.steps) / (wallMs / 1000),
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await store.close();
    await withClient(options.url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  }
}

function startWorker(options: PostgresBenchOptions, schema: string, workerId: string) {
  const child = fork(
    join(options.buildDir, 'bench', 'postgres-worker.js'),
    [options.url, schema, String(options.steps), String(options.runs), workerId],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') resolve();
      else process.stderr.write(`${workerId}: ${message.error}\n`);
    });
    void exited.then(() => reject(new Error(`${workerId} exited before it was ready`)));
  });
  return {
    ready,
    stop: async (): Promise<void> => {
      if (child.connected) child.send('stop');
      await exited;
    },
  };
}

async function startRuns(
  client: ReturnType<typeof createEngine>,
  workflow: ReturnType<typeof noopWorkflow>,
  count: number,
): Promise<string[]> {
  const handles = await Promise.all(
    Array.from({ length: count }, (_, i) => client.start(workflow, i)),
  );
  return handles.map((h) => h.id);
}

/** Polls until every run ended (a worker in another process ends them). */
async function untilEnded(
  store: Awaited<ReturnType<typeof openPostgresStore>>,
  ids: readonly string[],
): Promise<void> {
  const last = ids.at(-1);
  for (;;) {
    // Runs are claimed in creation order: once the last one ended, check them all.
    const run = last === undefined ? null : await store.getRun({ runId: last });
    if (run === null || run.finishedAt !== null) {
      const open = await store.listRuns({ status: ['pending', 'running'], limit: 1 });
      if (open.runs.length === 0) return;
    }
    // Times come from the database, so polling often buys no precision, only CPU taken from
    // the workers being measured.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Single-row INSERT commits in a loop on one connection for about a second: the server's
 * commit rate (WAL flush), which one commit per step could not exceed.
 */
async function measureCommits(
  url: string,
): Promise<{ server: string; commit: PostgresBenchReport['commit'] }> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ version: string }>('SELECT version()');
    const table = `wm_bench_commits_${randomBytes(4).toString('hex')}`;
    await client.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, data text NOT NULL)`);
    try {
      let commits = 0;
      const start = performance.now();
      while (performance.now() - start < 1000) {
        await client.query(`INSERT INTO ${table} (data) VALUES ($1)`, ['{"i":1}']);
        commits++;
      }
      const seconds = (performance.now() - start) / 1000;
      return {
        server: (rows[0]?.version ?? '').split(' on ')[0] ?? '',
        commit: { commitsPerSec: commits / seconds, msPerCommit: (seconds * 1000) / commits },
      };
    } finally {
      await client.query(`DROP TABLE ${table}`);
    }
  });
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function formatReport(report: PostgresBenchReport): string {
  const { commit } = report;
  const rows = report.rounds.map((r) => [
    String(r.workers),
    `${r.runs} x ${r.steps}`,
    r.wallMs.toFixed(0),
    r.stepsPerSec.toFixed(0),
    r.p50Ms.toFixed(1),
    r.p99Ms.toFixed(1),
    (r.stepsPerSec / commit.commitsPerSec).toFixed(1),
  ]);
  const header = [
    'workers',
    'runs x steps',
    'wall ms',
    'steps/s',
    'p50 ms',
    'p99 ms',
    'x commit rate',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ');
  const { target } = report;
  return [
    `Waymark PostgreSQL bench - ${report.server}`,
    '',
    `raw commit rate: ${commit.commitsPerSec.toFixed(0)} single-row commits/s on one ` +
      `connection (${commit.msPerCommit.toFixed(3)} ms each)`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    'wall: from the first run created to the last one ended (database times); p50/p99:',
    'created -> finished of one run; x commit rate: steps/s over the raw commit rate.',
    '',
    `target: ${target.label}: ${
      target.value === null
        ? 'not run'
        : `${target.value.toFixed(0)} ${target.pass === true ? 'PASS' : 'MISS'}`
    }`,
  ].join('\n');
}
