/** A validated workflow document → the same WorkflowDefinition `defineWorkflow` makes. */
import { ValidationError } from '../../core/errors.ts';
import { createExecutorRegistry, builtinExecutors } from '../../executors/index.ts';
import type { ExecutorRegistry } from '../../executors/index.ts';
import {
  type DefinitionSource,
  defineWorkflow,
  type WorkflowDefinition,
} from '../../runtime/workflow.ts';
import { formatPath } from '../document-issue.ts';
import type { ExpressionScope } from '../expressions/index.ts';
import type { LoadedWorkflow } from '../load-workflow-file.ts';
import { checkExecutorArguments } from './check-executor-args.ts';
import { inputSchema } from './inputs.ts';
import { type Interpreter, runSteps } from './interpret.ts';
import { runStages } from './stages.ts';
import { allStepNodes } from './step-nodes.ts';

export interface CompileWorkflowOptions {
  /** The file the document came from, for messages. */
  file: string;
  /**
   * Its text and file, which every run of the workflow records — with the texts of the
   * workflows its `run` steps name, as `resolveWorkflow` gave them — so that a resumed run
   * executes exactly what it started with.
   */
  source?: { text: string; file: string | null };
  /**
   * Default: the built-ins, with a shell that starts from an empty environment. Use the
   * executors the workflow was loaded with, or ones with the same argument rules.
   */
  executors?: ExecutorRegistry;
  /** Where executor steps' artifacts directories are made. Default `.waymark/artifacts`. */
  artifactsRoot?: string;
  /** What executors resolve relative paths against (`module:`): the file's directory. */
  baseDir?: string;
  /**
   * Finds the workflow a `run:` step names (by id or path), compiled. Asked once per name,
   * while the workflow compiles: what a run starts is fixed when the run starts. A name it
   * does not know fails the step that reaches it.
   */
  resolveWorkflow?: (ref: string) => WorkflowDefinition | undefined;
}

/**
 * @example
 * const loaded = loadWorkflowDocument(text, file, { executors });
 * if (loaded.document === undefined) throw new WorkflowValidationError(loaded.diagnostics);
 * const workflow = compileWorkflowDocument(loaded, { file, executors });
 * const run = await engine.start(workflow, { version: '1.2.3' });
 */
export function compileWorkflowDocument(
  loaded: LoadedWorkflow,
  options: CompileWorkflowOptions,
): WorkflowDefinition<Record<string, unknown>, unknown> {
  const { document, tree: built } = loaded;
  const executors = options.executors ?? createExecutorRegistry(builtinExecutors());
  // The tree was built, and checked, when the workflow loaded; these executors may differ.
  const problems = checkExecutorArguments(built, executors, { reportUnknown: true });
  if (problems.length > 0) {
    throw new ValidationError(
      `${options.file}: workflow "${document.id}" does not compile`,
      problems.map((p) => ({ path: formatPath(p.path), message: p.message })),
    );
  }

  const secretNames = document.secrets ?? [];
  const schema = inputSchema(document.inputs);
  const children = new Map<string, WorkflowDefinition>();
  for (const node of allStepNodes(built)) {
    if (node.kind !== 'run' || children.has(node.workflow)) continue;
    const child = options.resolveWorkflow?.(node.workflow);
    if (child !== undefined) children.set(node.workflow, child);
  }

  const definition = defineWorkflow(
    {
      name: document.id,
      ...(document.version === undefined ? {} : { version: String(document.version) }),
      // Inputs are validated (and defaults applied) once, when a run starts; the run records
      // the result, which every execution reads as it is.
      input: schema,
      ...(built.defaults.retry === undefined ? {} : { retry: built.defaults.retry }),
      ...(document.timeout === undefined ? {} : { timeout: document.timeout }),
      // Values come from the engine's `secrets` source (`ctx.secret`), masked in everything
      // the run records.
      secrets: secretNames,
    },
    async (ctx, input) => {
      // Not validated again: the recorded input is masked (`***` where a secret was), which
      // need not fit the schema any more — an enum, say.
      const inputs = (input ?? {}) as Record<string, unknown>;
      const secrets: Record<string, string> = {};
      for (const name of secretNames) {
        const value = ctx.secret(name);
        if (value !== undefined) secrets[name] = value;
      }
      const scope: ExpressionScope = {
        inputs,
        vars: {},
        steps: {},
        run: { id: ctx.runId },
        secrets,
      };
      for (const [name, value] of built.vars) scope.vars[name] = value(scope);
      const it: Interpreter = {
        ctx,
        executors,
        invoke: {
          ...(options.artifactsRoot === undefined ? {} : { artifactsRoot: options.artifactsRoot }),
          ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
        },
        resolveWorkflow: (ref) => children.get(ref),
        defaultTimeout: built.defaults.timeout,
        hasDefaultRetry: built.defaults.retry !== undefined,
      };
      if (built.stages.length > 0) await runStages(it, built.stages, built.loop, scope);
      else await runSteps(it, built.steps, { scope, prefix: '', signal: undefined });
      return built.output === undefined ? null : built.output(scope);
    },
  );
  const { source } = options;
  if (source === undefined)
    return definition as WorkflowDefinition<Record<string, unknown>, unknown>;
  const nested: Record<string, DefinitionSource> = {};
  for (const [ref, child] of children) {
    if (child.definitionSource !== undefined) nested[ref] = child.definitionSource;
  }
  return Object.freeze({
    ...definition,
    definitionSource: { source: source.text, file: source.file, nested },
  }) as WorkflowDefinition<Record<string, unknown>, unknown>;
}
