/** Exit codes of the CLI: 0 success, 1 a failure (run failed, file or run not found, store error), 2 a usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** 128 + SIGINT, the shell's convention for "stopped by Ctrl-C". */
export const EXIT_INTERRUPTED = 130;

/**
 * An error the CLI reports as one line (`waymark: error: …`) and turns into an exit code.
 * Commands throw it; `runCli` is the only place that prints it.
 */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

/** The command line itself is wrong: a bad option value, a malformed `--input`. */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}
