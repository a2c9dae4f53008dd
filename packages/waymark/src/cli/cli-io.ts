/**
 * Everything the CLI needs from its process, passed in so `runCli` runs in tests without
 * spawning. Text written through `stdout`/`stderr` carries its own newlines.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stdout is a terminal: colors only then. Default false. */
  isTty?: boolean;
  /** The environment read by config.ts. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Directory that relative paths resolve against. Default `process.cwd()`. */
  cwd?: string;
  /**
   * Subscribes to interrupt requests for the duration of a command: Ctrl-C (`SIGINT`),
   * `SIGTERM`, or stdout closed by its reader (`STDOUT_CLOSED`, e.g. `… | head -1`).
   * Returns the unsubscribe function. Without it, commands cannot be interrupted.
   */
  onInterrupt?(handler: (signal: string) => void): () => void;
}

/**
 * The interrupt a closed stdout raises (its write failed with EPIPE). Once it is raised,
 * nothing written to stdout arrives anywhere: what the user must still see goes to stderr.
 */
export const STDOUT_CLOSED = 'EPIPE';
