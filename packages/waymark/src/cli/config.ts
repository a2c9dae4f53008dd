import { isAbsolute, resolve } from 'node:path';
import type { CliIo } from './cli-io.ts';
import { isPostgresUrl } from './db-location.ts';

/** Where the CLI keeps its database when neither `--db` nor `WAYMARK_DB` says otherwise. */
export const DEFAULT_DB_PATH = '.waymark/waymark.db';
/** Steps' artifacts (`<runId>/<stepId>/`) and runs' JSONL logs (`<runId>.jsonl`). */
export const ARTIFACTS_DIR = '.waymark/artifacts';
export const LOGS_DIR = '.waymark/logs';
/** The project's configuration file when `WAYMARK_CONFIG` names none. */
export const CONFIG_FILE = 'waymark.config.json';

/** The help of every command's `--db` option. */
export const DB_OPTION_HELP =
  'a SQLite file, or postgres://user@host/db[?schema=name] (default: $WAYMARK_DB or .waymark/waymark.db)';

/**
 * The workflows directory when `--dir` is not given: `waymark run <id>` and nested `run:`
 * steps find `<id>.workflow.yaml` there, and `waymark workflows` keeps its files there.
 */
export const DEFAULT_WORKFLOWS_DIR = 'workflows';

/**
 * The CLI's worker settings. A short lease matters for crash-resume: a CLI process killed
 * with SIGKILL keeps its run `running` under its lease, and `waymark run --resume` can only
 * reclaim it once the lease has expired. 5 s keeps that wait short; the heartbeat renews
 * the lease every 2.5 s, so a workflow must not block the event loop for 5 s in one go.
 */
export const CLI_WORKER_OPTIONS = {
  concurrency: 10,
  leaseMs: 5_000,
  pollMs: 200,
  shutdownGraceMs: 2_000,
} as const;

export interface CliConfig {
  cwd: string;
  /**
   * The database used when `--db` is not given: an absolute SQLite path, or a PostgreSQL URL
   * (`WAYMARK_DB=postgres://…`).
   */
  defaultDbPath: string;
  /** `WAYMARK_DEBUG=1`: print stack traces with errors. */
  debug: boolean;
  /** ANSI colors: only on a terminal, and never with `NO_COLOR` set. */
  color: boolean;
  /**
   * The environment workflows see: YAML `secrets:` are read from it and `shell` steps start
   * from it. Passed on from here, so no other module reads `process.env`.
   */
  env: Readonly<Record<string, string | undefined>>;
  /** Absolute path of the configuration file (`WAYMARK_CONFIG`, else waymark.config.json); it may not exist. */
  configFile: string;
  /** Absolute directories of steps' artifacts and of runs' JSONL logs. */
  artifactsDir: string;
  logsDir: string;
}

/** The only place the CLI reads the environment (`process.env` unless the io provides one). */
export function loadConfig(io: CliIo): CliConfig {
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  const fromEnv = env['WAYMARK_DB'];
  const configFile = env['WAYMARK_CONFIG'];
  return {
    cwd,
    defaultDbPath: resolveDbPath(
      { cwd, defaultDbPath: resolve(cwd, DEFAULT_DB_PATH) },
      fromEnv === '' ? undefined : fromEnv,
    ),
    debug: env['WAYMARK_DEBUG'] === '1',
    color: io.isTty === true && (env['NO_COLOR'] ?? '') === '',
    env,
    configFile: resolve(
      cwd,
      configFile === undefined || configFile === '' ? CONFIG_FILE : configFile,
    ),
    artifactsDir: resolve(cwd, ARTIFACTS_DIR),
    logsDir: resolve(cwd, LOGS_DIR),
  };
}

/**
 * The database of one command: `--db` (a path relative to the working directory, or a
 * `postgres://` URL, kept as it is) or the default.
 */
export function resolveDbPath(
  config: Pick<CliConfig, 'cwd' | 'defaultDbPath'>,
  flag: string | undefined,
): string {
  if (flag === undefined) return config.defaultDbPath;
  if (flag === ':memory:' || isPostgresUrl(flag)) return flag;
  return isAbsolute(flag) ? flag : resolve(config.cwd, flag);
}

/** The workflows directory of one command: `--dir` (relative to the working directory) or ./workflows. */
export function resolveWorkflowsDir(config: CliConfig, flag: string | undefined): string {
  return resolve(config.cwd, flag ?? DEFAULT_WORKFLOWS_DIR);
}
