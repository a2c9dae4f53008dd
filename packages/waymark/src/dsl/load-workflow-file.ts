/** Text of a workflow file → a typed document and the tree it runs, or every diagnostic of the file at once. */
import {
  builtinExecutors,
  createExecutorRegistry,
  type ExecutorRegistry,
} from '../executors/index.ts';
import { checkWorkflowShape } from './check-shape.ts';
import { buildWorkflow } from './compile/build.ts';
import { checkExecutorArguments } from './compile/check-executor-args.ts';
import type { BuiltWorkflow } from './compile/step-nodes.ts';
import type { Diagnostic } from './diagnostics.ts';
import { hasErrors, sortDiagnostics } from './diagnostics.ts';
import type { WorkflowDocument } from './document.ts';
import type { DocumentIssue } from './document-issue.ts';
import { type ParsedYaml, parseYaml, type YamlLimits } from './parse-yaml.ts';
import type { ResolveWorkflow } from './run-cycles.ts';
import { checkWorkflowSemantics } from './validate.ts';

/** The executors that ship with the engine (built once, when first needed). */
let builtins: ExecutorRegistry | undefined;
function builtinRegistry(): ExecutorRegistry {
  builtins ??= createExecutorRegistry(builtinExecutors());
  return builtins;
}

export interface LoadWorkflowOptions {
  /**
   * The executors `uses` may name: their schemas check the literal arguments, and their
   * argument rules (literal and word arguments) shape the tree; compile the workflow with the
   * same ones. Default: the built-ins.
   */
  executors?: ExecutorRegistry;
  /** Names `uses` may take. Default: the names of `executors`. */
  knownExecutors?: ReadonlySet<string>;
  /** Finds workflows named by `run`, to check for cycles; without it they are not checked. */
  resolveWorkflow?: ResolveWorkflow;
  limits?: Partial<YamlLimits>;
}

/** A workflow that validated, ready for compileWorkflowDocument. */
export interface LoadedWorkflow {
  document: WorkflowDocument;
  /** Its steps with their expressions compiled: built once, while it was validated. */
  tree: BuiltWorkflow;
}

/** A loaded workflow when there are no errors (warnings may remain); else only diagnostics. */
export type LoadWorkflowResult =
  | (LoadedWorkflow & { diagnostics: Diagnostic[] })
  | { document?: undefined; tree?: undefined; diagnostics: Diagnostic[] };

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
  const executors = options.executors ?? builtinRegistry();
  const shapeIssues = checkWorkflowShape(parsed.value);
  const shapeIsRight = !shapeIssues.some((i) => (i.severity ?? 'error') === 'error');
  const built = buildWorkflow(parsed.value, executors);
  const issues = [
    ...shapeIssues,
    // Expressions and literal executor arguments are checked once the shape is right: a
    // malformed part would only produce a second message about the same mistake. (Unknown
    // executors are reported by the semantic checks, with a suggestion.)
    ...(shapeIsRight
      ? [
          ...built.issues,
          ...checkExecutorArguments(built.tree, executors, { reportUnknown: false }),
        ]
      : []),
    ...built.unknownSteps,
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
  return { document: parsed.value as WorkflowDocument, tree: built.tree, diagnostics: all };
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
