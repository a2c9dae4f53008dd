/**
 * `waymark agents doctor`: which coding-agent CLIs are installed, their versions, and whether
 * they look usable. Exits 0 when at least one is usable.
 */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';

export function registerAgentsCommand(
  program: Command,
  ctx: CliContext,
  done: (code: number) => void,
): void {
  const agents = program
    .command('agents')
    .description('coding-agent CLIs (claude-code, codex, gemini, grok) that agent stages run');
  agents
    .command('doctor')
    .description('list the agent CLIs: installed or not, version, usable or why not')
    .option('--json', 'print the findings as JSON')
    .action(async (options: { json?: boolean }) => {
      const { doctorCommand } = await import('./agents-action.ts');
      done(await doctorCommand(options, ctx));
    });
}
