/**
 * Semantic checks of a workflow document: what the schema cannot see. They read the parsed
 * document whether or not it passed the schema, skipping malformed parts (the schema
 * reports those), so a file's errors are all reported at once. (References to unknown steps
 * are found by the build, which reads every expression anyway: compile/build.ts.)
 */
import { AGENT_STAGE_KEYS } from '../executors/agent/agent-args.ts';
import { AGENT_PROVIDER_NAMES } from '../executors/agent/provider-names.ts';
import { checkForeachNames } from './check-foreach-names.ts';
import { checkRetries } from './check-retries.ts';
import { checkTimeouts } from './check-timeouts.ts';
import { type DocumentIssue, formatPath, isRecord } from './document-issue.ts';
import type { DocumentPath } from './parse-yaml.ts';
import { findRunCycles, type ResolveWorkflow } from './run-cycles.ts';
import type { StepKind } from './schema.ts';
import { RESERVED_NAMES, reservedName } from './scope-names.ts';
import { allSteps, type StepVisit } from './step-tree.ts';
import { didYouMean } from './suggest.ts';

/** Kinds whose steps are durable units (keys, outputs): they must have an id. */
const KINDS_NEEDING_ID: ReadonlySet<StepKind> = new Set([
  'uses',
  'parallel',
  'foreach',
  'run',
  'wait',
  'loop',
]);

export interface SemanticCheckOptions {
  /** Executor names `uses` may name. */
  knownExecutors: ReadonlySet<string>;
  /** Finds another workflow by id or path, for `run`; without it nested runs are not checked. */
  resolveWorkflow?: ResolveWorkflow;
}

export function checkWorkflowSemantics(
  document: unknown,
  options: SemanticCheckOptions,
): DocumentIssue[] {
  if (!isRecord(document)) return [];
  const steps = allSteps(document);
  return [
    ...checkWorkflowBody(document),
    ...checkStepIds(steps),
    ...checkRetries(steps),
    ...checkTimeouts(steps),
    ...checkForeachNames(steps),
    ...checkExecutors(document, steps, options.knownExecutors),
    ...checkRunTargets(steps),
    ...checkStages(document, options.knownExecutors),
    ...(options.resolveWorkflow === undefined
      ? []
      : findRunCycles(document, steps, options.resolveWorkflow)),
  ];
}

function checkWorkflowBody(doc: Record<string, unknown>): DocumentIssue[] {
  if (doc.steps === undefined && doc.stages === undefined) {
    return [{ path: [], message: 'the workflow has neither "steps" nor "stages"' }];
  }
  if (doc.steps !== undefined && doc.stages !== undefined) {
    return [
      {
        path: ['stages'],
        atKey: true,
        message: 'a workflow has "steps" or "stages", not both',
        hint: 'move the steps into a stage: stage_configs.<name>.steps',
      },
    ];
  }
  return [];
}

function checkStepIds(steps: StepVisit[]): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  const firstPath = new Map<string, DocumentPath>();
  for (const { step, path, kind } of steps) {
    const id = step.id;
    if (id === undefined) {
      if (kind !== undefined && KINDS_NEEDING_ID.has(kind)) {
        issues.push({
          path,
          message: `this ${kind} step needs an "id"`,
          hint: 'ids are the durable keys of steps: a resumed run finds its results by them',
        });
      }
    } else if (typeof id === 'string') {
      const first = firstPath.get(id);
      if (first !== undefined) {
        issues.push({
          path: [...path, 'id'],
          message: `duplicate step id "${id}" (first used at ${formatPath(first)})`,
          hint: 'step ids are unique in the whole workflow, nested steps included',
        });
      } else {
        firstPath.set(id, path);
      }
      if (RESERVED_NAMES.has(id)) issues.push(reservedName(id, [...path, 'id']));
    }
  }
  return issues;
}

function checkExecutors(
  doc: Record<string, unknown>,
  steps: StepVisit[],
  known: ReadonlySet<string>,
): DocumentIssue[] {
  const uses: Array<[unknown, DocumentPath]> = steps
    .filter((s) => s.kind === 'uses')
    .map((s) => [s.step.uses, [...s.path, 'uses']]);
  if (isRecord(doc.stage_configs)) {
    for (const [name, config] of Object.entries(doc.stage_configs)) {
      if (isRecord(config)) uses.push([config.uses, ['stage_configs', name, 'uses']]);
    }
  }
  const issues: DocumentIssue[] = [];
  for (const [name, path] of uses) {
    if (typeof name !== 'string' || known.has(name)) continue;
    issues.push({
      path,
      message: `unknown executor "${name}"${didYouMean(name, known)}`,
      hint: `known executors: ${[...known].sort().join(', ')}`,
    });
  }
  return issues;
}

/**
 * `run.workflow` names its workflow literally: the cycle check and what a run records of the
 * workflows it may start need every target known when the file loads.
 */
function checkRunTargets(steps: StepVisit[]): DocumentIssue[] {
  return steps.flatMap(({ step, path, kind }): DocumentIssue[] => {
    const run = step.run;
    if (kind !== 'run' || !isRecord(run) || typeof run.workflow !== 'string') return [];
    const at = run.workflow.indexOf('${');
    if (at < 0) return [];
    return [
      {
        path: [...path, 'run', 'workflow'],
        index: at,
        message: 'run.workflow is not an expression: it names one workflow, by id or path',
        hint: 'to choose the workflow at run time, use a switch with one run step per case',
      },
    ];
  });
}

function checkStages(doc: Record<string, unknown>, known: ReadonlySet<string>): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  const stages = Array.isArray(doc.stages) ? doc.stages : [];
  const configs = isRecord(doc.stage_configs) ? doc.stage_configs : {};
  const seen = new Set<string>();
  stages.forEach((stage, i) => {
    if (typeof stage !== 'string') return;
    if (seen.has(stage)) {
      issues.push({ path: ['stages', i], message: `stage "${stage}" is listed twice` });
    }
    seen.add(stage);
    if (!(stage in configs)) {
      issues.push({
        path: ['stages', i],
        message: `stage "${stage}" has no entry in stage_configs`,
        hint: `add stage_configs.${stage} with uses, provider or steps`,
      });
    }
  });
  for (const [name, config] of Object.entries(configs)) {
    if (!seen.has(name)) {
      issues.push({
        path: ['stage_configs', name],
        atKey: true,
        message: `stage_configs has "${name}", which is not in stages${didYouMean(name, seen)}`,
        hint: 'list it in stages, or remove its config',
      });
    }
    if (!isRecord(config)) continue;
    const runs = ['uses', 'provider', 'steps'].filter((k) => config[k] !== undefined);
    if (runs.length !== 1) {
      issues.push({
        path: ['stage_configs', name],
        atKey: true,
        message:
          runs.length === 0
            ? `stage "${name}" has nothing to run`
            : `stage "${name}" has ${runs.map((r) => `"${r}"`).join(' and ')}; it takes one`,
        hint: 'give a stage exactly one of uses (an executor), provider (an agent) or steps',
      });
    }
    issues.push(...checkAgentStage(name, config, known));
  }
  const loop = doc.loop;
  if (isRecord(loop) && typeof loop.fallback_next_stage === 'string') {
    const target = loop.fallback_next_stage;
    if (!seen.has(target)) {
      issues.push({
        path: ['loop', 'fallback_next_stage'],
        message: `fallback_next_stage "${target}" is not one of the stages${didYouMean(target, seen)}`,
        hint: seen.size === 0 ? 'list the stages in "stages"' : `stages: ${[...seen].join(', ')}`,
      });
    }
  }
  return issues;
}

/**
 * A `provider` names an agent; the agent keys (`prompt`, `role`, …) belong to such a stage.
 * (Its `timeout` bounds each attempt of a stage that runs one executor or agent, and the whole
 * of a stage of steps.)
 */
function checkAgentStage(
  name: string,
  config: Record<string, unknown>,
  known: ReadonlySet<string>,
): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  const path = ['stage_configs', name];
  const provider = config.provider;
  if (provider === undefined) {
    for (const key of AGENT_STAGE_KEYS.filter((k) => config[k] !== undefined)) {
      issues.push({
        path: [...path, key],
        atKey: true,
        message: `"${key}" is for agent stages: stage "${name}" has no provider`,
        hint: `add provider (${AGENT_PROVIDER_NAMES.join(', ')}), or remove ${key}`,
      });
    }
  } else if (typeof provider === 'string') {
    const providers = new Set(AGENT_PROVIDER_NAMES.filter((p) => known.has(p)));
    if (!providers.has(provider)) {
      issues.push({
        path: [...path, 'provider'],
        message: `unknown agent provider "${provider}"${providerSuggestion(provider, providers)}`,
        hint: `providers: ${[...providers].join(', ')}`,
      });
    }
  }
  return issues;
}

/** `claude` → `claude-code`: a short name is a prefix more often than a typo. */
function providerSuggestion(name: string, providers: ReadonlySet<string>): string {
  const longer = [...providers].find((p) => p.startsWith(name));
  return longer === undefined ? didYouMean(name, providers) : `; did you mean "${longer}"?`;
}
