/** Text of a workflow file → a typed document, or every diagnostic of the file at once. */
import { builtinExecutors } from '../executors/index.ts';
import { checkWorkflowShape } from './check-shape.ts';
import { checkExpressions } from './compile/check-expressions.ts';
import type { Diagnostic } from './diagnostics.ts';
import { hasErrors, sortDiagnostics } from './diagnostics.ts';
import type { WorkflowDocument } from './document.ts';
import type { DocumentIssue } from './document-issue.ts';
import { type ParsedYaml, parseYaml, type YamlLimits } from './parse-yaml.ts';
import type { ResolveWorkflow } from './run-cycles.ts';
import { checkWorkflowSemantics } from './validate.ts';

/** Names of the executors that ship with the engine (from the executors themselves, so they cannot drift). */
let builtinNames: ReadonlySet<string> | undefined;
function builtinExecutorNames(): ReadonlySet<string> {
  builtinNames ??= new Set(builtinExecutors().map((executor) => executor.name));
  return builtinNames;
}

export interface LoadWorkflowOptions {
  /** Names `uses` may take. Default: the built-in executors. */
  knownExecutors?: ReadonlySet<string>;
  /** Finds workflows named by `run`, to check for cycles; without it they are not checked. */
  resolveWorkflow?: ResolveWorkflow;
  limits?: Partial<YamlLimits>;
}

export interface LoadWorkflowResult {
  /** Set when there are no errors (warnings may remain). */
  document?: WorkflowDocument;
  diagnostics: Diagnostic[];
}

/**
 * Parses and validates one workflow file. YAML syntax errors stop there; otherwise schema
 * and semantic errors are all collected, sorted by position.
 *
 * @example
 * const { document, diagnostics } = loadWorkflowDocument(text, 'release.workflow.yaml');
 * if (document === undefined) throw new WorkflowValidationError(diagnostics);
 */
export function loadWorkflowDocument(
  text: string,
  file: string,
  options: LoadWorkflowOptions = {},
): LoadWorkflowResult {
  const { parsed, diagnostics } = parseYaml(text, file, options.limits);
  if (parsed === undefined) return { diagnostics };
  const shapeIssues = checkWorkflowShape(parsed.value);
  const issues = [
    ...shapeIssues,
    // Expressions are type-checked once the shape is right: a malformed part would only
    // produce a second message about the same mistake.
    ...(shapeIssues.some((i) => (i.severity ?? 'error') === 'error')
      ? []
      : checkExpressions(parsed.value)),
    ...checkWorkflowSemantics(parsed.value, {
      knownExecutors: options.knownExecutors ?? builtinExecutorNames(),
      ...(options.resolveWorkflow === undefined
        ? {}
        : { resolveWorkflow: options.resolveWorkflow }),
    }),
  ];
  const all = sortDiagnostics([
    ...diagnostics,
    ...issues.map((issue) => issueToDiagnostic(issue, file, parsed)),
  ]);
  if (hasErrors(all)) return { diagnostics: all };
  // The shape checker validated every part against schema.ts, which document.ts mirrors.
  return { document: parsed.value as WorkflowDocument, diagnostics: all };
}

function issueToDiagnostic(issue: DocumentIssue, file: string, parsed: ParsedYaml): Diagnostic {
  const { line, column } = parsed.locate(issue.path, {
    key: issue.atKey ?? false,
    ...(issue.index === undefined ? {} : { index: issue.index }),
  });
  return {
    file,
    line,
    column,
    message: issue.message,
    ...(issue.hint === undefined ? {} : { hint: issue.hint }),
    severity: issue.severity ?? 'error',
  };
}
