/**
 * YAML workflows in the CLI: validate a file, and compile it to the same WorkflowDefinition a
 * code workflow is, with the configured executors (executors-config.ts) and a resolver for
 * nested `run`s. (`secrets:` are
 * read by the engine, which the run command gives the same environment.)
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { type Diagnostic, hasErrors } from '../dsl/diagnostics.ts';
import type { WorkflowDocument } from '../dsl/document.ts';
import { compileWorkflowDocument } from '../dsl/compile/index.ts';
import { loadWorkflowDocument } from '../dsl/load-workflow-file.ts';
import { resolveWorkflowFrom, WORKFLOW_FILE_SUFFIX } from '../dsl/registry/index.ts';
import { WORKFLOW_ID } from '../dsl/schema.ts';
import type { RunDefinitionSource } from '../core/run.ts';
import type { WorkflowContext } from '../runtime/workflow-context.ts';
import { recordedDefinition, type WorkflowDefinition } from '../runtime/workflow.ts';
import { CliError } from './cli-error.ts';
import type { CliConfig } from './config.ts';
import { cliExecutors } from './executors-config.ts';
import { diagnosticsMessage } from './format/diagnostics.ts';
import { isYamlPath } from './run/workflow-target.ts';

type LoadedYaml =
  | { ok: true; document: WorkflowDocument; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] };

/**
 * Validates a workflow's text; `label` is the name diagnostics carry (as the user typed it).
 * With `workflowsDir`, nested `run`s must name workflows that exist there (or by a path
 * relative to `path`), and must not form a cycle; without it (a recorded definition, which
 * runs whatever its nested workflows have become) they are not checked.
 */
export function validateYaml(
  source: string,
  label: string,
  path: string,
  workflowsDir: string | undefined,
): LoadedYaml {
  const { document, diagnostics } = loadWorkflowDocument(
    source,
    label,
    workflowsDir === undefined
      ? {}
      : { resolveWorkflow: resolveWorkflowFrom({ dir: workflowsDir, file: path }) },
  );
  if (document === undefined || hasErrors(diagnostics)) return { ok: false, diagnostics };
  return { ok: true, document, diagnostics };
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
 * Compiles a validated document. The definition carries its source (recorded with the run);
 * nested `run`s are read, validated and compiled from disk when a run reaches them.
 */
export function compileYaml(
  document: WorkflowDocument,
  source: string,
  path: string | null,
  options: CompileYamlOptions,
): WorkflowDefinition {
  const executors = cliExecutors(options.config);
  const compiled = new Map<string, WorkflowDefinition>();
  const compile = (
    doc: WorkflowDocument,
    text: string,
    file: string | null,
  ): WorkflowDefinition => {
    const definition = compileWorkflowDocument(doc, {
      file: file ?? '<recorded definition>',
      source: text,
      executors,
      artifactsRoot: options.config.artifactsDir,
      // Module executors and relative paths resolve against the workflow file's directory.
      baseDir: file === null ? options.config.cwd : dirname(resolve(options.config.cwd, file)),
      resolveWorkflow: (ref) => {
        const child = childPath(ref, file, options.workflowsDir);
        if (child === undefined) return undefined;
        const known = compiled.get(child);
        if (known !== undefined) return known;
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
        const childDefinition = compile(loaded.document, childText, child);
        compiled.set(child, childDefinition);
        return childDefinition;
      },
    });
    return dispatching(withSource(definition, text, file));
  };
  const byHash = new Map<string, WorkflowDefinition>();
  // A run's recorded definition never changes: each run's is read once, not on every
  // execution of the workflow function (one after each sleep, retry or child it waits for).
  const hashOfRun = new Map<string, string | null>();
  /** Compiling a definition registers it in `byHash` under the hash of its text. */
  const compileRecorded = (recorded: RunDefinitionSource, runId: string): void => {
    const label = `${recorded.file ?? '<definition>'} (recorded by run ${runId})`;
    const loaded = validateYaml(recorded.source, label, recorded.file ?? label, undefined);
    if (!loaded.ok) {
      throw new CliError(
        diagnosticsMessage(
          `the recorded definition of run ${runId} does not validate`,
          loaded.diagnostics,
        ),
      );
    }
    compile(loaded.document, recorded.source, recorded.file);
  };
  /** Runs whose recorded text differs from this one execute their recorded text instead. */
  const dispatching = (own: WorkflowDefinition): WorkflowDefinition => {
    const lookup = options.recordedDefinition;
    const hash = recordedDefinition(own)?.hash;
    if (lookup === undefined || hash === undefined) return own;
    byHash.set(hash, own);
    return Object.freeze({
      ...own,
      fn: async (ctx: WorkflowContext, input: unknown): Promise<unknown> => {
        let recordedHash = hashOfRun.get(ctx.runId);
        if (recordedHash === undefined) {
          const recorded = await lookup(ctx.runId);
          if (recorded !== null && !byHash.has(recorded.hash)) compileRecorded(recorded, ctx.runId);
          recordedHash = recorded?.hash ?? null;
          hashOfRun.set(ctx.runId, recordedHash);
        }
        if (recordedHash === null || recordedHash === hash) return own.fn(ctx, input);
        const recorded = byHash.get(recordedHash);
        if (recorded === undefined) {
          throw new CliError(`the recorded definition of run ${ctx.runId} could not be compiled`);
        }
        return recorded.fn(ctx, input);
      },
    });
  };
  return compile(document, source, path);
}

/** The compiled definition, carrying the text it came from (the engine records it). */
function withSource(
  definition: WorkflowDefinition,
  source: string,
  file: string | null,
): WorkflowDefinition {
  return Object.freeze({ ...definition, definitionSource: { source, file } });
}

function childPath(ref: string, parent: string | null, workflowsDir: string): string | undefined {
  if (isYamlPath(ref)) {
    if (isAbsolute(ref)) return ref;
    return resolve(parent === null ? workflowsDir : dirname(parent), ref);
  }
  return WORKFLOW_ID.test(ref) ? join(workflowsDir, `${ref}${WORKFLOW_FILE_SUFFIX}`) : undefined;
}
