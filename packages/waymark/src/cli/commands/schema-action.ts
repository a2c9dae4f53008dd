import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { workflowJsonSchema } from '../../dsl/json-schema.ts';
import { EXIT_OK } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { formatJson } from '../format/json.ts';
import type { SchemaOptions } from './schema.ts';

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
