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
   * Subscribes to interrupt requests (Ctrl-C, SIGTERM) for the duration of a command.
   * Returns the unsubscribe function. Without it, commands cannot be interrupted.
   */
  onInterrupt?(handler: (signal: string) => void): () => void;
}
