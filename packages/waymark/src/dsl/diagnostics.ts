import { brandErrorClasses } from '../core/error-brand.ts';
import { WaymarkError } from '../core/errors.ts';

/** One problem found in a workflow file, at the line and column (both 1-based) it points at. */
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
  /** How to fix it, when there is something more useful to say than the message. */
  hint?: string;
  severity: 'error' | 'warning';
}

/** `file:line:column: message (hint: ...)`, the form editors and terminals link to. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.column}`;
  const prefix = d.severity === 'warning' ? 'warning: ' : '';
  const hint = d.hint === undefined ? '' : ` (hint: ${d.hint})`;
  return `${where}: ${prefix}${d.message}${hint}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Diagnostics in reading order: by file, line, then column. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column,
  );
}

/** A workflow file that does not validate; its message lists every diagnostic. */
export class WorkflowValidationError extends WaymarkError {
  override name = 'WorkflowValidationError';
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const file = diagnostics[0]?.file ?? 'workflow';
    const lines = diagnostics.map((d) => `  ${formatDiagnostic(d)}`);
    super('VALIDATION', `${file}: ${errors} error${errors === 1 ? '' : 's'}\n${lines.join('\n')}`, {
      details: { diagnostics: diagnostics.map((d) => ({ ...d })) },
    });
    this.diagnostics = diagnostics;
  }
}
brandErrorClasses({ WorkflowValidationError });
