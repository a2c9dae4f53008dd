import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Diagnostic } from '../../dsl/diagnostics.ts';
import { formatPlan, type Plan, planWorkflow } from '../../dsl/plan/index.ts';
import { EXIT_FAILURE, EXIT_OK } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { resolveWorkflowsDir } from '../config.ts';
import { formatFileDiagnostics } from '../format/diagnostics.ts';
import { formatJson } from '../format/json.ts';
import { validateYaml } from '../yaml-workflow.ts';
import type { ValidateOptions } from './validate.ts';

interface FileReport {
  file: string;
  valid: boolean;
  diagnostics: Diagnostic[];
  /** With --plan, for a valid file: the plan (formatted text, or the object with --json). */
  plan?: string | Plan;
}

export async function validateCommand(
  files: readonly string[],
  options: ValidateOptions,
  ctx: CliContext,
): Promise<number> {
  const reports: FileReport[] = [];
  for (const file of files) reports.push(await validateFile(file, options, ctx));
  const valid = reports.every((r) => r.valid);
  if (options.json === true) {
    ctx.io.stdout(formatJson({ valid, files: reports }));
  } else {
    for (const report of reports) ctx.io.stdout(formatReport(report, ctx));
  }
  return valid ? EXIT_OK : EXIT_FAILURE;
}

async function validateFile(
  file: string,
  options: ValidateOptions,
  ctx: CliContext,
): Promise<FileReport> {
  // Diagnostics name the file as the user typed it, so terminals and editors link to it.
  const path = resolve(ctx.config.cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    return {
      file,
      valid: false,
      diagnostics: [{ file, line: 1, column: 1, message: reason, severity: 'error' }],
    };
  }
  const loaded = validateYaml(text, file, path, resolveWorkflowsDir(ctx.config, options.dir));
  const report: FileReport = { file, valid: loaded.ok, diagnostics: loaded.diagnostics };
  if (options.plan === true && loaded.ok) {
    const plan = planWorkflow(loaded.document);
    report.plan = options.json === true ? plan : formatPlan(plan);
  }
  return report;
}

function formatReport(report: FileReport, ctx: CliContext): string {
  const plan = typeof report.plan === 'string' ? `\n${report.plan}` : '';
  return formatFileDiagnostics(report.file, report.diagnostics, ctx.style) + plan;
}
