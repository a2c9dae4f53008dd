/**
 * One walk of a workflow document that compiles every `${ }` template against the scope
 * visible where it stands, and builds the tree the interpreter runs. It runs once, when the
 * workflow loads: its problems are the load's diagnostics, and the tree it builds is what
 * compileWorkflowDocument runs, so what validates is what compiles. The walk reads documents
 * that may be malformed (validation runs it before the shape is known to be good) and skips
 * what it does not understand; the shape checker reports that.
 */
import { AGENT_STAGE_KEYS } from '../../executors/agent/agent-args.ts';
import { type DocumentIssue, isRecord } from '../document-issue.ts';
import {
  compileTemplate,
  type ExprType,
  parseTemplate,
  type ScopeDeclaration,
  type TemplatePart,
} from '../expressions/index.ts';
import type { ExecutorRegistry } from '../../executors/index.ts';
import type { DocumentPath } from '../parse-yaml.ts';
import { stepReferencesIn } from '../step-references.ts';
import { knownStepIds, stepKindOf } from '../step-tree.ts';
import { didYouMean } from '../suggest.ts';
import { inputTypes, varNames } from './scope-declaration.ts';
import type { BuiltWorkflow, Evaluate, NodeBase, StageNode, StepNode } from './step-nodes.ts';
import { duration, onFailureOf, retryPolicy, stageRetryPolicy } from './step-options.ts';
import { splitWordsAt } from './template-text.ts';

export interface BuildResult {
  tree: BuiltWorkflow;
  /** Problems of expressions (syntax, unknown names, types) and of executor arguments. */
  issues: DocumentIssue[];
  /**
   * References to unknown steps (`steps.<id>`), each once, at the reference; an expression
   * naming one is not type-checked further. Kept apart because they are worth reporting even
   * when the document's shape is wrong, when the other issues are not.
   */
  unknownSteps: DocumentIssue[];
}

/** The walk. Never throws on a malformed document. */
export function buildWorkflow(doc: unknown, executors: ExecutorRegistry): BuildResult {
  const issues: DocumentIssue[] = [];
  const unknownSteps: DocumentIssue[] = [];
  const d = isRecord(doc) ? doc : {};
  const known = knownStepIds(d);

  const declaration: ScopeDeclaration = {
    inputs: inputTypes(d.inputs),
    vars: varNames(d),
    steps: Object.fromEntries([...known].map((id) => [id, { output: 'dyn' as ExprType }])),
    secrets: Array.isArray(d.secrets) ? d.secrets.filter((s) => typeof s === 'string') : [],
  };

  /** `at`: where `text` starts in the string at `path` (a word of a split argument). */
  const template = (
    text: string,
    where: ScopeDeclaration,
    path: DocumentPath,
    expect?: ExprType,
    at = 0,
  ): Evaluate | undefined => {
    const parsed = parseTemplate(text);
    let namesUnknownStep = false;
    for (const part of parsed.parts) {
      if (part.kind !== 'expr') continue;
      for (const ref of stepReferencesIn(part.source)) {
        if (known.has(ref.id)) continue;
        namesUnknownStep = true;
        unknownSteps.push({
          path,
          index: at + part.offset + ref.index,
          message: `reference to unknown step "${ref.id}"${didYouMean(ref.id, known)}`,
          hint: 'steps.<id> names a step by its id',
        });
      }
    }
    // Reported once, above: the type checker would only say it again, less clearly.
    if (namesUnknownStep) return undefined;
    const { template: compiled, diagnostics } = compileTemplate(
      text,
      where,
      expect === undefined ? {} : { expect },
      parsed,
    );
    for (const diagnostic of diagnostics) {
      const index = diagnostic.offset;
      issues.push({
        path,
        index: at + index,
        message: `${diagnostic.message} (in \`${quoteAround(text, parsed.parts, index)}\`)`,
        ...(diagnostic.hint === undefined ? {} : { hint: diagnostic.hint }),
      });
    }
    if (compiled === undefined) return undefined;
    return (scope) => compiled.evaluate(scope);
  };

  /** Split word arguments: where each word stands in the string it was split from. */
  const wordOffsets = new WeakMap<unknown[], number[]>();
  const value = (
    v: unknown,
    where: ScopeDeclaration,
    path: DocumentPath,
    at?: number,
  ): Evaluate => {
    if (typeof v === 'string') {
      if (!v.includes('${')) return () => v;
      return template(v, where, path, undefined, at) ?? (() => v);
    }
    if (Array.isArray(v)) {
      const offsets = wordOffsets.get(v);
      const items = v.map((item, i) =>
        offsets === undefined
          ? value(item, where, [...path, i])
          : value(item, where, path, offsets[i]),
      );
      return (scope) => items.map((item) => item(scope));
    }
    if (isRecord(v)) {
      const entries = Object.entries(v).map(
        ([k, item]) => [k, value(item, where, [...path, k])] as const,
      );
      return (scope) => {
        const out: Record<string, unknown> = {};
        for (const [k, item] of entries) {
          Object.defineProperty(out, k, {
            value: item(scope),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return out;
      };
    }
    return () => v;
  };

  const condition = (
    v: unknown,
    where: ScopeDeclaration,
    path: DocumentPath,
  ): Evaluate | undefined => {
    if (typeof v === 'boolean') return () => v;
    if (typeof v !== 'string') return undefined;
    return template(v, where, path, 'bool');
  };

  /**
   * An executor's `with` arguments, for a step or a stage alike: word arguments split before
   * any `${ }` is evaluated, literal ones refused when they hold one (templated values never
   * reach a shell string), then compiled. `path` is the step's or the stage's.
   */
  const executorArgs = (
    executor: string,
    given: unknown,
    where: ScopeDeclaration,
    path: DocumentPath,
  ): {
    with: Evaluate;
    givenWith: unknown;
    wordOffsets: Record<string, number[]>;
    withPath: DocumentPath;
  } => {
    let args: unknown = given ?? {};
    const offsetsOf: Record<string, number[]> = {};
    const words = executors.get(executor)?.wordArgs ?? [];
    if (isRecord(given) && words.some((name) => typeof given[name] === 'string')) {
      const copy: Record<string, unknown> = { ...given };
      for (const name of words) {
        const text = copy[name];
        if (typeof text !== 'string') continue;
        const split = splitWordsAt(text);
        const list = split.map((w) => w.text);
        offsetsOf[name] = split.map((w) => w.offset);
        wordOffsets.set(list, offsetsOf[name]);
        copy[name] = list;
      }
      args = copy;
    }
    const { literalArgs = [], literalHint } = executors.get(executor) ?? {};
    for (const name of literalArgs) {
      const literal = isRecord(args) ? args[name] : undefined;
      if (
        typeof literal === 'string' &&
        parseTemplate(literal).parts.some((p) => p.kind === 'expr')
      ) {
        issues.push({
          path: [...path, 'with', name],
          message: `"${name}" of ${executor} must be literal text: expressions are not substituted into it`,
          ...(literalHint === undefined ? {} : { hint: literalHint }),
        });
      }
    }
    return {
      with: value(args, where, [...path, 'with']),
      givenWith: args,
      wordOffsets: offsetsOf,
      withPath: [...path, given === undefined ? 'uses' : 'with'],
    };
  };

  const stepList = (list: unknown, where: ScopeDeclaration, path: DocumentPath): StepNode[] => {
    if (!Array.isArray(list)) return [];
    return list.flatMap((s, i) => {
      const node = step(s, where, [...path, i]);
      return node === undefined ? [] : [node];
    });
  };

  const step = (s: unknown, where: ScopeDeclaration, path: DocumentPath): StepNode | undefined => {
    if (!isRecord(s)) return undefined;
    const kind = stepKindOf(s);
    if (kind === undefined) return undefined;
    const base: NodeBase = {
      id: typeof s.id === 'string' ? s.id : undefined,
      path,
      condition: s.if === undefined ? undefined : condition(s.if, where, [...path, 'if']),
      conditionText: s.if === undefined ? undefined : String(s.if),
      onFailure: onFailureOf(s.on_failure),
      retry: retryPolicy(s.retry),
      timeout: duration(s.timeout),
      outputs: s.outputs === undefined ? undefined : value(s.outputs, where, [...path, 'outputs']),
    };
    const body = s[kind];
    const b = isRecord(body) ? body : {};
    switch (kind) {
      case 'uses': {
        const executor = typeof body === 'string' ? body : '';
        return {
          ...base,
          kind,
          executor,
          ...executorArgs(executor, s.with, where, path),
        };
      }
      case 'steps':
        return { ...base, kind, steps: stepList(body, where, [...path, 'steps']) };
      case 'parallel':
        return {
          ...base,
          kind,
          branches: stepList(b.branches, where, [...path, 'parallel', 'branches']),
          failFast: b.fail_fast !== false,
        };
      case 'foreach': {
        const as = typeof b.as === 'string' ? b.as : undefined;
        // The item has one name: `as`, or `item`. Names of enclosing iterations stay visible.
        const inner: ScopeDeclaration =
          as === undefined
            ? { ...where, item: 'dyn', iter: true }
            : { ...where, named: { ...where.named, [as]: 'dyn' }, iter: true };
        const items =
          typeof b.items === 'string'
            ? (template(b.items, where, [...path, 'foreach', 'items'], 'list') ?? (() => []))
            : value(b.items, where, [...path, 'foreach', 'items']);
        return {
          ...base,
          kind,
          items,
          as,
          concurrency: typeof b.concurrency === 'number' && b.concurrency >= 1 ? b.concurrency : 1,
          failFast: b.fail_fast !== false,
          steps: stepList(b.steps, inner, [...path, 'foreach', 'steps']),
        };
      }
      case 'switch': {
        const cases = Array.isArray(b.cases) ? b.cases : [];
        return {
          ...base,
          kind,
          cases: cases.flatMap((c, i) => {
            if (!isRecord(c)) return [];
            const p = [...path, 'switch', 'cases', i];
            return [
              {
                when: condition(c.when, where, [...p, 'when']) ?? (() => false),
                steps: stepList(c.steps, where, [...p, 'steps']),
              },
            ];
          }),
          otherwise:
            b.default === undefined
              ? undefined
              : stepList(b.default, where, [...path, 'switch', 'default']),
        };
      }
      case 'run':
        return {
          ...base,
          kind,
          workflow: typeof b.workflow === 'string' ? b.workflow : '',
          inputs: value(b.inputs ?? {}, where, [...path, 'run', 'inputs']),
        };
      case 'wait':
        return {
          ...base,
          kind,
          duration:
            b.duration === undefined
              ? undefined
              : value(b.duration, where, [...path, 'wait', 'duration']),
          until:
            b.until === undefined ? undefined : value(b.until, where, [...path, 'wait', 'until']),
        };
      case 'loop': {
        const inner: ScopeDeclaration = { ...where, iter: true };
        return {
          ...base,
          kind,
          maxIters: typeof b.max_iters === 'number' ? b.max_iters : 1,
          stopWhen:
            b.stop_when === undefined
              ? undefined
              : condition(b.stop_when, inner, [...path, 'loop', 'stop_when']),
          steps: stepList(b.steps, inner, [...path, 'loop', 'steps']),
        };
      }
    }
    return undefined;
  };

  const vars: Array<[string, Evaluate]> = isRecord(d.vars)
    ? Object.entries(d.vars).map(([k, v]) => [k, value(v, declaration, ['vars', k])])
    : [];
  const steps = stepList(d.steps, declaration, ['steps']);

  // In a stage, `iter.index` is the stage loop's iteration, as `stage.iteration` is.
  const staged: ScopeDeclaration = { ...declaration, stage: true, iter: true };
  const configs = isRecord(d.stage_configs) ? d.stage_configs : {};
  const stages: StageNode[] = (Array.isArray(d.stages) ? d.stages : []).flatMap(
    (name): StageNode[] => {
      if (typeof name !== 'string') return [];
      const c = configs[name];
      if (!isRecord(c)) return [];
      const p: DocumentPath = ['stage_configs', name];
      const common = {
        name,
        onFailure: onFailureOf(c.on_failure),
        mode: (c.mode === 'parallel' ? 'parallel' : 'sequential') as 'sequential' | 'parallel',
        retry: stageRetryPolicy(c.retries, c.retry_backoff),
        timeout: duration(c.timeout),
      };
      if (typeof c.uses === 'string') {
        return [
          {
            ...common,
            kind: 'uses' as const,
            executor: c.uses,
            ...executorArgs(c.uses, c.with, staged, p),
          },
        ];
      }
      if (typeof c.provider === 'string') {
        // The agent keys are where the stage has them, so an expression's error points there.
        const agentArgs = Object.fromEntries(
          AGENT_STAGE_KEYS.flatMap((k) => (k in c ? [[k, c[k]]] : [])),
        );
        return [
          {
            ...common,
            kind: 'provider' as const,
            executor: c.provider,
            with: value(agentArgs, staged, p),
            givenWith: agentArgs,
            wordOffsets: {},
            withPath: p,
          },
        ];
      }
      return [
        { ...common, kind: 'steps' as const, steps: stepList(c.steps, staged, [...p, 'steps']) },
      ];
    },
  );

  const l = d.loop;
  const loop = isRecord(l)
    ? {
        maxIters: typeof l.max_iters === 'number' ? l.max_iters : 1,
        stopWhen:
          l.stop_when === undefined
            ? undefined
            : condition(l.stop_when, staged, ['loop', 'stop_when']),
        fallback: typeof l.fallback_next_stage === 'string' ? l.fallback_next_stage : undefined,
      }
    : undefined;

  const output = d.output === undefined ? undefined : value(d.output, declaration, ['output']);
  const defaults = isRecord(d.defaults) ? d.defaults : {};
  return {
    tree: {
      vars,
      steps,
      stages,
      loop,
      output,
      defaults: { retry: retryPolicy(defaults.retry), timeout: duration(defaults.timeout) },
    },
    issues,
    unknownSteps,
  };
}

/** The `${ … }` that `index` falls in (else the whole text), on one line, at most 80 characters. */
function quoteAround(text: string, parts: readonly TemplatePart[], index: number): string {
  const part = parts.find(
    (p) => p.kind === 'expr' && index >= p.offset - 2 && index <= p.offset + p.source.length,
  );
  const quoted = (part?.kind === 'expr' ? `\${${part.source}}` : text).replace(/\s+/g, ' ');
  return quoted.length > 80 ? `${quoted.slice(0, 77)}...` : quoted;
}
