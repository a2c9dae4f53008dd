import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { DEFAULT_WORKFLOWS_DIR } from '../config.ts';

export interface ValidateOptions {
  json?: boolean;
  plan?: boolean;
  dir?: string;
}

export function registerValidateCommand(
  program: Command,
  ctx: CliContext,
  done: (code: number) => void,
): void {
  program
    .command('validate')
    .description('check YAML workflow files and print every mistake as file:line:column')
    .argument('<files...>', 'workflow files (*.workflow.yaml)')
    .option('--json', 'print { valid, files: [{ file, valid, diagnostics }] } as JSON')
    .option('--plan', 'also print the plan of each valid file (what a run would do)')
    .option(
      '--dir <dir>',
      `the workflows directory nested \`run\`s name ids in (default ./${DEFAULT_WORKFLOWS_DIR}); unknown workflows and cycles are errors`,
    )
    .action(async (files: string[], options: ValidateOptions) => {
      const { validateCommand } = await import('./validate-action.ts');
      done(await validateCommand(files, options, ctx));
    });
}
