import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CliError, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from './cli-error.ts';
import type { CliContext } from './cli-context.ts';
import { type CliIo, STDOUT_CLOSED } from './cli-io.ts';
import { registerAgentsCommand } from './commands/agents.ts';
import { registerHistoryCommand } from './commands/history.ts';
import { registerListCommand } from './commands/list.ts';
import { registerMigrateCommand } from './commands/migrate.ts';
import { registerRunCommand } from './commands/run.ts';
import { registerSchemaCommand } from './commands/schema.ts';
import { registerStatusCommand } from './commands/status.ts';
import { registerValidateCommand } from './commands/validate.ts';
import { registerWorkerCommand } from './commands/worker.ts';
import { registerWorkflowsCommand } from './commands/workflows.ts';
import { loadConfig } from './config.ts';
import { createStyle } from './format/style.ts';

const EXAMPLES = `
Examples:
  $ npx waymark run examples/hello.workflow.ts --input name=world
  $ npx waymark run flow.ts --input-json '{"user":{"id":7}}' --input user.admin=true
  $ npx waymark run flow.ts --resume <runId>   continue an interrupted or crashed run
  $ npx waymark list --status failed
  $ npx waymark status <runId>
  $ npx waymark history <runId> --json
  $ npx waymark run release.workflow.yaml --input version=1.2.3
  $ npx waymark run release.workflow.yaml --dry-run   print the plan, run nothing
  $ npx waymark run release                      ./workflows/release.workflow.yaml (--dir)
  $ npx waymark validate release.workflow.yaml   every mistake as file:line:column
  $ npx waymark validate --plan release.workflow.yaml
  $ npx waymark schema --out workflow.schema.json
  $ npx waymark workflows create release.workflow.yaml
  $ npx waymark worker --db postgres://localhost/app --concurrency 50 workflows/
  $ npx waymark migrate --from .waymark/waymark.db --to postgres://localhost/app
  $ npx waymark agents doctor                    which coding-agent CLIs are installed and usable

Environment:
  WAYMARK_DB      database when --db is not given: a SQLite path (default .waymark/waymark.db)
                  or postgres://user:password@host/db[?schema=name] (schema default waymark)
  WAYMARK_DEBUG   1: print stack traces with errors
  NO_COLOR        set: no colors even on a terminal
`;

/**
 * Runs the CLI on `argv` (without `node` and the script) and returns the exit code.
 * Writes only through `io`; never exits the process, so tests call it directly.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const config = loadConfig(io);
  const ctx: CliContext = { io, config, style: createStyle(config.color) };
  let exitCode = EXIT_OK;
  const program = buildProgram(ctx, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, ctx);
  }
}

function buildProgram(ctx: CliContext, done: (code: number) => void): Command {
  const program = new Command('waymark')
    .description('Durable workflows for TypeScript: run workflows, inspect and resume their runs.')
    .version(packageVersion(), '-v, --version')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.stdout(text),
      writeErr: (text) => ctx.io.stderr(text),
      // Commander's messages start with "error: "; one line, named after the program.
      // Its "Did you mean …?" hint goes on the same line.
      outputError: (text, write) => write(`waymark: ${text.replace(/\n\((Did you mean)/, ' ($1')}`),
    })
    .addHelpText('after', EXAMPLES);
  // Subcommands inherit exitOverride and the output configuration.
  registerRunCommand(program, ctx, done);
  registerStatusCommand(program, ctx, done);
  registerListCommand(program, ctx, done);
  registerHistoryCommand(program, ctx, done);
  registerValidateCommand(program, ctx, done);
  registerSchemaCommand(program, ctx, done);
  registerWorkflowsCommand(program, ctx, done);
  registerWorkerCommand(program, ctx, done);
  registerMigrateCommand(program, ctx, done);
  registerAgentsCommand(program, ctx, done);
  return program;
}

function reportError(error: unknown, ctx: CliContext): number {
  if (error instanceof CommanderError) {
    // Help and version were printed; any other message was printed by outputError.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
      return EXIT_OK;
    return EXIT_USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  ctx.io.stderr(`waymark: error: ${message}\n`);
  if (ctx.config.debug && error instanceof Error && error.stack !== undefined) {
    ctx.io.stderr(`${error.stack}\n`);
  }
  return exitCodeOf(error);
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  // Input that fails the workflow's schema is a usage error like a malformed --input.
  if ((error as { code?: unknown } | null)?.code === 'VALIDATION') return EXIT_USAGE;
  return EXIT_FAILURE;
}

function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/**
 * The process entry (bin/waymark.mjs): real streams and signals in, exit code out. The only
 * code that touches `process.exit`. A first Ctrl-C/SIGTERM is handed to the running command
 * (which stops its worker gracefully); a second one, or one when no command listens, exits
 * at once. A stdout whose reader went away (`waymark run … | head -1`: its writes fail with
 * EPIPE) is a first Ctrl-C too, instead of an unhandled 'error' event that kills the process
 * mid-step with the run still leased; from then on stdout writes are dropped.
 */
export async function main(): Promise<void> {
  const handlers = new Set<(signal: string) => void>();
  let interrupts = 0;
  const interrupt = (signal: string): void => {
    interrupts += 1;
    if (interrupts > 1 || handlers.size === 0) {
      // `waymark list | head` ends quietly, as other tools do when their reader is done.
      if (signal !== STDOUT_CLOSED) process.stderr.write(`\nwaymark: ${signal}: exiting now\n`);
      process.exit(EXIT_INTERRUPTED);
    }
    for (const handler of handlers) handler(signal);
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  let stdoutClosed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (stdoutClosed) return;
    stdoutClosed = true;
    interrupt(STDOUT_CLOSED);
  });
  const io: CliIo = {
    stdout: (text) => void (stdoutClosed || process.stdout.write(text)),
    stderr: (text) => void process.stderr.write(text),
    isTty: process.stdout.isTTY === true,
    onInterrupt(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  };
  const code = await runCli(process.argv.slice(2), io);
  // Exit explicitly: a workflow module may leave handles open (a socket, a timer) that would
  // keep the process alive after its run ended. stdout/stderr writes are synchronous for
  // files and pipes on POSIX, so nothing written is lost.
  process.exitCode = code;
  process.exit(code);
}
