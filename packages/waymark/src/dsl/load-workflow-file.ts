/** Text of a workflow file → a typed document, or every diagnostic of the file at once. */
import {
  builtinExecutors,
  createExecutorRegistry,
  type ExecutorRegistry,
} from '../executors/index.ts';
import { checkWorkflowShape } from './check-shape.ts';
import { checkExpressionsAndArguments } from './compile/check-expressions.ts';
import type { Diagnostic } from './diagnostics.ts';
import { hasErrors, sortDiagnostics } from './diagnostics.ts';
import type { WorkflowDocument } from './document.ts';
import type { DocumentIssue } from './document-issue.ts';
import { type ParsedYaml, parseYaml, type YamlLimits } from './parse-yaml.ts';
import type { ResolveWorkflow } from './run-cycles.ts';
import { checkWorkflowSemantics } from './validate.ts';

/** The executors that ship with the engine, for their names and argument schemas. */
let builtins: ExecutorRegistry | undefined;
function builtinRegistry(): ExecutorRegistry {
  builtins ??= createExecutorRegistry(builtinExecutors());
  return builtins;
}

export interface LoadWorkflowOptions {
  /** The executors `uses` may name, whose schemas check the arguments. Default: the built-ins. */
  executors?: ExecutorRegistry;
  /** Names `uses` may take. Default: the names of `executors`. */
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
  const executors = options.executors ?? builtinRegistry();
  const issues = [
    ...shapeIssues,
    // Expressions are type-checked once the shape is right: a malformed part would only
    // produce a second message about the same mistake.
    ...(shapeIssues.some((i) => (i.severity ?? 'error') === 'error')
      ? []
      : checkExpressionsAndArguments(parsed.value, executors)),
    ...checkWorkflowSemantics(parsed.value, {
      knownExecutors: options.knownExecutors ?? new Set(executors.names()),
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
