import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { DEFAULT_WORKFLOWS_DIR } from '../config.ts';

export interface DirOptions {
  dir?: string;
}
export interface JsonOptions extends DirOptions {
  json?: boolean;
}

export function registerWorkflowsCommand(
  program: Command,
  ctx: CliContext,
  done: (code: number) => void,
): void {
  const workflows = program
    .command('workflows')
    .description(
      `manage registered YAML workflows ({id}.workflow.yaml in ./${DEFAULT_WORKFLOWS_DIR})`,
    );
  const dirOption = `workflows directory (default ./${DEFAULT_WORKFLOWS_DIR})`;
  workflows
    .command('list')
    .description('list registered workflows')
    .option('--dir <dir>', dirOption)
    .option('--json', 'print { workflows } as JSON')
    .action(async (options: JsonOptions) => {
      const { listWorkflows } = await import('./workflows-action.ts');
      done(await listWorkflows(options, ctx));
    });
  workflows
    .command('show')
    .description('show a workflow: its file, validity, diagnostics and source')
    .argument('<id>', 'the workflow id')
    .option('--dir <dir>', dirOption)
    .option('--json', 'print { id, file, valid, diagnostics, document, source } as JSON')
    .action(async (id: string, options: JsonOptions) => {
      const { showWorkflow } = await import('./workflows-action.ts');
      done(await showWorkflow(id, options, ctx));
    });
  workflows
    .command('create')
    .description('validate a workflow file and register it under its id')
    .argument('<file>', 'a workflow file')
    .option('--dir <dir>', dirOption)
    .action(async (file: string, options: DirOptions) => {
      const { writeWorkflow } = await import('./workflows-action.ts');
      done(await writeWorkflow('create', file, options, ctx));
    });
  workflows
    .command('update')
    .description('validate a workflow file and replace the registered workflow with its id')
    .argument('<file>', 'a workflow file')
    .option('--dir <dir>', dirOption)
    .action(async (file: string, options: DirOptions) => {
      const { writeWorkflow } = await import('./workflows-action.ts');
      done(await writeWorkflow('update', file, options, ctx));
    });
  workflows
    .command('delete')
    .description('remove a registered workflow')
    .argument('<id>', 'the workflow id')
    .option('--dir <dir>', dirOption)
    .action(async (id: string, options: DirOptions) => {
      const { deleteWorkflow } = await import('./workflows-action.ts');
      done(await deleteWorkflow(id, options, ctx));
    });
}
