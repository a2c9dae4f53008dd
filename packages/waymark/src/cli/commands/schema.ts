import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';

export interface SchemaOptions {
  out?: string;
}

export function registerSchemaCommand(
  program: Command,
  ctx: CliContext,
  done: (code: number) => void,
): void {
  program
    .command('schema')
    .description('print the JSON Schema of workflow files (for editor completion via $schema)')
    .option('--out <file>', 'write it to this file instead of stdout')
    .action(async (options: SchemaOptions) => {
      const { schemaCommand } = await import('./schema-action.ts');
      done(await schemaCommand(options, ctx));
    });
}
