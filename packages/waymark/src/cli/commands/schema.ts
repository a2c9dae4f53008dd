import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { workflowJsonSchema } from '../../dsl/json-schema.ts';
import { EXIT_OK } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { formatJson } from '../format/json.ts';

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
    .action(async (options: SchemaOptions) => done(await schemaCommand(options, ctx)));
}

export async function schemaCommand(options: SchemaOptions, ctx: CliContext): Promise<number> {
  const text = formatJson(workflowJsonSchema());
  if (options.out === undefined) {
    ctx.io.stdout(text);
    return EXIT_OK;
  }
  await writeFile(resolve(ctx.config.cwd, options.out), text);
  ctx.io.stdout(ctx.style.green(`✔ wrote ${options.out}\n`));
  return EXIT_OK;
}
