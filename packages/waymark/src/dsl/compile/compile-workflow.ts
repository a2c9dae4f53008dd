/** A validated workflow document → the same WorkflowDefinition `defineWorkflow` makes. */
import { ValidationError } from '../../core/errors.ts';
import { createExecutorRegistry, builtinExecutors } from '../../executors/index.ts';
import type { ExecutorRegistry } from '../../executors/index.ts';
import { defineWorkflow, type WorkflowDefinition } from '../../runtime/workflow.ts';
import { formatPath } from '../document-issue.ts';
import type { WorkflowDocument } from '../document.ts';
import type { ExpressionScope } from '../expressions/index.ts';
import { buildWorkflow } from './build.ts';
import { buildOptionsFor, checkExecutorArguments } from './check-executor-args.ts';
import { inputSchema } from './inputs.ts';
import { type Interpreter, runSteps } from './interpret.ts';
import { runStages } from './stages.ts';

export interface CompileWorkflowOptions {
  /** The file the document came from, for messages. */
  file: string;
  /** Its text (kept for callers that record the definition's source). */
  source?: string;
  /** Default: the built-ins, with a shell that starts from an empty environment. */
  executors?: ExecutorRegistry;
  /** Where executor steps' artifacts directories are made. Default `.waymark/artifacts`. */
  artifactsRoot?: string;
  /** What executors resolve relative paths against (`module:`): the file's directory. */
  baseDir?: string;
  /** Finds the workflow a `run:` step names (by id or path), compiled. Asked when reached. */
  resolveWorkflow?: (ref: string) => WorkflowDefinition | undefined;
}

/**
 * @example
 * const { document } = loadWorkflowDocument(text, file);
 * const workflow = compileWorkflowDocument(document, { file, executors });
 * const run = await engine.start(workflow, { version: '1.2.3' });
 */
export function compileWorkflowDocument(
  document: WorkflowDocument,
  options: CompileWorkflowOptions,
): WorkflowDefinition<Record<string, unknown>, unknown> {
  const executors = options.executors ?? createExecutorRegistry(builtinExecutors());
  const built = buildWorkflow(document, buildOptionsFor(executors));
  const problems = [
    ...built.issues,
    ...checkExecutorArguments(built, executors, { reportUnknown: true }),
  ];
  if (problems.length > 0) {
    throw new ValidationError(
      `${options.file}: workflow "${document.id}" does not compile`,
      problems.map((p) => ({ path: formatPath(p.path), message: p.message })),
    );
  }

  const secretNames = document.secrets ?? [];
  const schema = inputSchema(document.inputs);
  const children = new Map<string, WorkflowDefinition | undefined>();
  const resolveWorkflow = (ref: string): WorkflowDefinition | undefined => {
    if (!children.has(ref)) children.set(ref, options.resolveWorkflow?.(ref));
    return children.get(ref);
  };

  const definition = defineWorkflow(
    {
      name: document.id,
      ...(document.version === undefined ? {} : { version: String(document.version) }),
      // Inputs are validated (and defaults applied) when a run starts.
      input: schema,
      ...(built.defaults.retry === undefined ? {} : { retry: built.defaults.retry }),
      ...(document.timeout === undefined ? {} : { timeout: document.timeout }),
      // Values come from the engine's `secrets` source (`ctx.secret`), masked in everything
      // the run records.
      secrets: secretNames,
    },
    async (ctx, input) => {
      const parsed = schema.safeParse(input ?? {});
      if (!parsed.success) {
        throw new ValidationError(
          `invalid input for workflow "${document.id}"`,
          parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        );
      }
      const secrets: Record<string, string> = {};
      for (const name of secretNames) {
        const value = ctx.secret(name);
        if (value !== undefined) secrets[name] = value;
      }
      const scope: ExpressionScope = {
        inputs: parsed.data as Record<string, unknown>,
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
        resolveWorkflow,
        defaultTimeout: built.defaults.timeout,
        hasDefaultRetry: built.defaults.retry !== undefined,
      };
      if (built.stages.length > 0) await runStages(it, built.stages, built.loop, scope);
      else await runSteps(it, built.steps, { scope, prefix: '', signal: undefined });
      return built.output === undefined ? null : built.output(scope);
    },
  );
  return definition as WorkflowDefinition<Record<string, unknown>, unknown>;
}
