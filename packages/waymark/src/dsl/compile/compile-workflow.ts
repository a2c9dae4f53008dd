/** A validated workflow document → the same WorkflowDefinition `defineWorkflow` makes. */
import { ValidationError } from '../../core/errors.ts';
import { createExecutorRegistry, builtinExecutors } from '../../executors/index.ts';
import type { ExecutorRegistry } from '../../executors/index.ts';
import { defineWorkflow, type WorkflowDefinition } from '../../runtime/workflow.ts';
import { formatPath } from '../document-issue.ts';
import type { DocumentPath } from '../parse-yaml.ts';
import type { ExpressionScope } from '../expressions/index.ts';
import type { LoadedWorkflow } from '../load-workflow-file.ts';
import { inputSchema } from './inputs.ts';
import { type Interpreter, runSteps } from './interpret.ts';
import { runStages } from './stages.ts';

export interface CompileWorkflowOptions {
  /** The file the document came from, for messages. */
  file: string;
  /** Its text (kept for callers that record the definition's source). */
  source?: string;
  /**
   * Default: the built-ins, with a shell that starts from an empty environment. Use the
   * executors the workflow was loaded with, or ones with the same argument rules.
   */
  executors?: ExecutorRegistry;
  /** Finds the workflow a `run:` step names (by id or path), compiled. Asked when reached. */
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
  const problems: Array<{ path: DocumentPath; message: string }> = [];
  type UsesNode = { executor: string; literalWith: unknown; path: DocumentPath };
  const usesOf = (nodes: typeof built.steps): UsesNode[] =>
    nodes.flatMap((n): UsesNode[] => {
      switch (n.kind) {
        case 'uses':
          return [{ executor: n.executor, literalWith: n.literalWith, path: n.path }];
        case 'steps':
        case 'foreach':
        case 'loop':
          return usesOf(n.steps);
        case 'parallel':
          return usesOf(n.branches);
        case 'switch':
          return [...n.cases.flatMap((c) => usesOf(c.steps)), ...usesOf(n.otherwise ?? [])];
        default:
          return [];
      }
    });
  const used = [
    ...usesOf(built.steps),
    ...built.stages.flatMap((s): UsesNode[] =>
      s.kind === 'uses'
        ? [
            {
              executor: s.executor,
              literalWith: s.literalWith,
              path: ['stage_configs', s.name],
            },
          ]
        : s.kind === 'steps'
          ? usesOf(s.steps)
          : [],
    ),
  ];
  for (const use of used) {
    const executor = executors.get(use.executor);
    if (executor === undefined) {
      problems.push({ path: use.path, message: `unknown executor "${use.executor}"` });
      continue;
    }
    if (use.literalWith === undefined) continue;
    // Arguments without expressions are checked now rather than when the step runs.
    const parsed = executor.withSchema.safeParse(use.literalWith);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({
          path: [
            ...use.path,
            'with',
            ...issue.path.map((k) => (typeof k === 'number' ? k : String(k))),
          ],
          message: issue.message,
        });
      }
    }
  }
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
