/**
 * YAML workflows in the CLI: validate a file, and compile it to the same WorkflowDefinition a
 * code workflow is, with the configured executors (executors-config.ts) and a resolver for
 * nested `run`s. (`secrets:` are
 * read by the engine, which the run command gives the same environment.)
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { type Diagnostic, hasErrors } from '../dsl/diagnostics.ts';
import { compileWorkflowDocument } from '../dsl/compile/index.ts';
import { type LoadedWorkflow, loadWorkflowDocument } from '../dsl/load-workflow-file.ts';
import { resolveWorkflowFrom, WORKFLOW_FILE_SUFFIX } from '../dsl/registry/index.ts';
import { WORKFLOW_ID } from '../dsl/schema.ts';
import { definitionIdentity, type RunDefinitionSource } from '../core/run.ts';
import type { WorkflowContext } from '../runtime/workflow-context.ts';
import { recordedDefinition, type WorkflowDefinition } from '../runtime/workflow.ts';
import { CliError } from './cli-error.ts';
import type { CliConfig } from './config.ts';
import { cliExecutors } from './executors-config.ts';
import { diagnosticsMessage } from './format/diagnostics.ts';
import { isYamlPath } from './run/workflow-target.ts';

type LoadedYaml =
  | (LoadedWorkflow & { ok: true; diagnostics: Diagnostic[] })
  | { ok: false; diagnostics: Diagnostic[] };

/**
 * Validates a workflow's text; `label` is the name diagnostics carry (as the user typed it).
 * With `workflowsDir`, nested `run`s must name workflows that exist there (or by a path
 * relative to `path`), and must not form a cycle; without it (a recorded definition, which
 * runs the nested workflows recorded with it) they are not checked.
 */
export function validateYaml(
  source: string,
  label: string,
  path: string,
  workflowsDir: string | undefined,
): LoadedYaml {
  const loaded = loadWorkflowDocument(
    source,
    label,
    workflowsDir === undefined
      ? {}
      : { resolveWorkflow: resolveWorkflowFrom({ dir: workflowsDir, file: path }) },
  );
  const { document, tree, diagnostics } = loaded;
  if (document === undefined || hasErrors(diagnostics)) return { ok: false, diagnostics };
  return { ok: true, document, tree, diagnostics };
}

export interface CompileYamlOptions {
  config: CliConfig;
  /** Absolute path of the workflows directory nested `run`s look ids up in. */
  workflowsDir: string;
  /**
   * The definition a run recorded when it started. With it, a run of the same workflow that
   * started from another text (the file was edited since) executes its own recorded text:
   * this process's worker claims runs by workflow name, not by definition.
   */
  recordedDefinition?: (runId: string) => Promise<RunDefinitionSource | null>;
}

/**
 * Compiles a validated document. The definition carries its text and those of the workflows
 * its `run`s name, which a run records when it starts. Those are compiled now, with it: from
 * `nested` — what a run recorded — when given, else from the files as they are (read,
 * validated and compiled once each).
 */
export function compileYaml(
  workflow: LoadedWorkflow,
  source: string,
  path: string | null,
  options: CompileYamlOptions,
  nested?: Record<string, RunDefinitionSource>,
): WorkflowDefinition {
  const executors = cliExecutors(options.config);
  /** A compiled definition as is, and wrapped to run other runs' recorded definitions. */
  interface Compiled {
    raw: WorkflowDefinition;
    dispatching: WorkflowDefinition;
  }
  /** By what a run records of them (definitionIdentity). */
  const byIdentity = new Map<string, Compiled>();
  const fromFiles = new Map<string, WorkflowDefinition>();
  const compiling = new Set<string>();
  const compile = (
    doc: LoadedWorkflow,
    text: string,
    file: string | null,
    recorded: Record<string, RunDefinitionSource> | undefined,
  ): Compiled => {
    const raw = compileWorkflowDocument(doc, {
      file: file ?? '<recorded definition>',
      source: { text, file },
      executors,
      artifactsRoot: options.config.artifactsDir,
      // Module executors and relative paths resolve against the workflow file's directory.
      baseDir: file === null ? options.config.cwd : dirname(resolve(options.config.cwd, file)),
      resolveWorkflow: (ref) => {
        if (recorded === undefined) return fromFile(ref, file);
        const child = recorded[ref];
        return child === undefined ? undefined : fromRecord(child, 'its parent run').dispatching;
      },
    });
    const compiled = { raw, dispatching: dispatching(raw) };
    const mine = recordedDefinition(raw);
    if (mine !== null && !byIdentity.has(definitionIdentity(mine))) {
      byIdentity.set(definitionIdentity(mine), compiled);
    }
    return compiled;
  };
  const fromFile = (ref: string, parent: string | null): WorkflowDefinition | undefined => {
    const child = childPath(ref, parent, options.workflowsDir);
    if (child === undefined) return undefined;
    const known = fromFiles.get(child);
    if (known !== undefined) return known;
    if (compiling.has(child)) {
      throw new CliError(`nested runs form a cycle: ${[...compiling, child].join(' → ')}`);
    }
    let childText: string;
    try {
      childText = readFileSync(child, 'utf8');
    } catch {
      return undefined;
    }
    const loaded = validateYaml(childText, child, child, options.workflowsDir);
    if (!loaded.ok) {
      throw new CliError(
        diagnosticsMessage(`nested workflow ${ref} (${child}) is invalid`, loaded.diagnostics),
      );
    }
    compiling.add(child);
    try {
      const childDefinition = compile(loaded, childText, child, undefined).dispatching;
      fromFiles.set(child, childDefinition);
      return childDefinition;
    } finally {
      compiling.delete(child);
    }
  };
  /** A recorded definition, compiled from its recorded text (and its nested ones', when it has them). */
  const fromRecord = (recorded: RunDefinitionSource, by: string): Compiled => {
    const identity = definitionIdentity(recorded);
    let known = byIdentity.get(identity);
    if (known === undefined) {
      const label = `${recorded.file ?? '<definition>'} (recorded by ${by})`;
      const loaded = validateYaml(recorded.source, label, recorded.file ?? label, undefined);
      if (!loaded.ok) {
        throw new CliError(
          diagnosticsMessage(
            `the definition recorded by ${by} does not validate`,
            loaded.diagnostics,
          ),
        );
      }
      known = compile(loaded, recorded.source, recorded.file, recorded.nested);
      byIdentity.set(identity, known);
    }
    return known;
  };
  // A run's recorded definition never changes: each run's is read once, not on every
  // execution of the workflow function (one after each sleep, retry or child it waits for).
  const definitionOfRun = new Map<string, WorkflowDefinition | null>();
  /** Runs whose recorded definition (nested ones included) differs from this one execute theirs. */
  const dispatching = (own: WorkflowDefinition): WorkflowDefinition => {
    const lookup = options.recordedDefinition;
    if (lookup === undefined || own.definitionSource === undefined) return own;
    return Object.freeze({
      ...own,
      fn: async (ctx: WorkflowContext, input: unknown): Promise<unknown> => {
        let theirs = definitionOfRun.get(ctx.runId);
        if (theirs === undefined) {
          const recorded = await lookup(ctx.runId);
          theirs = recorded === null ? null : fromRecord(recorded, `run ${ctx.runId}`).raw;
          definitionOfRun.set(ctx.runId, theirs);
        }
        return (theirs ?? own).fn(ctx, input);
      },
    });
  };
  return compile(workflow, source, path, nested).dispatching;
}

function childPath(ref: string, parent: string | null, workflowsDir: string): string | undefined {
  if (isYamlPath(ref)) {
    if (isAbsolute(ref)) return ref;
    return resolve(parent === null ? workflowsDir : dirname(parent), ref);
  }
  return WORKFLOW_ID.test(ref) ? join(workflowsDir, `${ref}${WORKFLOW_FILE_SUFFIX}`) : undefined;
}
