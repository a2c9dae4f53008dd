import { type Diagnostic, formatDiagnostic } from '../../dsl/diagnostics.ts';
import { createStyle, type Style } from './style.ts';

const PLAIN = createStyle(false);

/**
 * The diagnostics of one YAML file, one `file:line:column: message (hint: …)` line each
 * (warnings in yellow), then its verdict: `✔ file: valid` or `✘ file: 3 errors`, followed by
 * `outcome` when given (`✘ file: 3 errors; nothing was run`). Every command that reports a
 * file's diagnostics prints them this way.
 */
export function formatFileDiagnostics(
  label: string,
  diagnostics: readonly Diagnostic[],
  style: Style,
  outcome?: string,
): string {
  const errors = errorCount(diagnostics);
  const verdict =
    errors === 0
      ? style.green(`✔ ${label}: valid`)
      : style.red(
          `✘ ${label}: ${errors} error${errors === 1 ? '' : 's'}${outcome === undefined ? '' : `; ${outcome}`}`,
        );
  return formatDiagnosticLines(diagnostics, style) + verdict + '\n';
}

/**
 * An error message about a file that does not validate: `headline:` then its diagnostics,
 * indented, one a line (for a `CliError`, or the error of a run that met such a file).
 */
export function diagnosticsMessage(headline: string, diagnostics: readonly Diagnostic[]): string {
  return `${headline}:\n${formatDiagnosticLines(diagnostics, PLAIN, '  ').trimEnd()}`;
}

/** One line per diagnostic, each after `indent`; warnings in yellow. */
export function formatDiagnosticLines(
  diagnostics: readonly Diagnostic[],
  style: Style,
  indent = '',
): string {
  return diagnostics
    .map((d) => {
      const line = formatDiagnostic(d);
      return `${indent}${d.severity === 'warning' ? style.yellow(line) : line}\n`;
    })
    .join('');
}

function errorCount(diagnostics: readonly Diagnostic[]): number {
  return diagnostics.filter((d) => d.severity === 'error').length;
}
