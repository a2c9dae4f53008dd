/**
 * Compiling expressions and templates against a ScopeDeclaration when a workflow loads: parse,
 * type-check, and report every problem as a diagnostic with an offset into the template. What
 * compiles evaluates against an ExpressionScope and returns plain JSON values.
 */
import { WaymarkError } from '../../core/errors.ts';
import { celContext, environmentFor } from './environment.ts';
import { EXPRESSION_LIMITS } from './limits.ts';
import { meterAst } from './meter.ts';
import { unknownNameHint } from './names.ts';
import type { ExprType, ExpressionScope, ScopeDeclaration } from './scope.ts';
import { parseTemplate } from './template.ts';
import { fromCelValue } from './values.ts';

export interface ExpressionDiagnostic {
  message: string;
  /**
   * Index in the string compiled: the offending token when the parser or type checker names
   * one; otherwise the start of the expression (for compileTemplate, its `${`).
   */
  offset: number;
  hint?: string;
}

export interface CompileOptions {
  /** The type the value must have; `if`, `when` and `stop_when` pass `'bool'`. */
  expect?: ExprType;
}

export interface CompiledExpression {
  source: string;
  resultType: ExprType;
  /**
   * Evaluates to a plain JSON value. Throws a WaymarkError with code 'EXPRESSION' quoting the
   * expression when evaluation fails (no such key, division by zero, a limit).
   */
  evaluate(scope: ExpressionScope): unknown;
}

export type CompiledTemplatePart =
  { kind: 'text'; text: string } | { kind: 'expr'; offset: number; expression: CompiledExpression };

export interface CompiledTemplate {
  source: string;
  parts: CompiledTemplatePart[];
  /** The expression's type when the template is exactly one `${ }`; otherwise 'string'. */
  resultType: ExprType;
  /**
   * A template that is exactly one `${ }` keeps the value's type (`${ inputs.n }` → 3);
   * text around expressions interpolates to a string (`v${ inputs.n }` → "v3").
   */
  evaluate(scope: ExpressionScope): unknown;
}

/** cel-js errors carry a one-line `summary`, a `code` and the offending node's `range`. */
interface CelError {
  summary?: string;
  message: string;
  code?: string;
  node?: unknown;
  range?: { start: number };
}

/**
 * @example
 * const { expression, diagnostics } = compileExpression('inputs.n * 2', declaration);
 * expression?.evaluate(scope); // 6
 */
export function compileExpression(
  source: string,
  declaration: ScopeDeclaration,
  options: CompileOptions = {},
): { expression?: CompiledExpression; diagnostics: ExpressionDiagnostic[] } {
  if (source.length > EXPRESSION_LIMITS.maxLength) {
    const message = `expression is ${source.length} characters long; the limit is ${EXPRESSION_LIMITS.maxLength}`;
    return { diagnostics: [{ message, offset: 0 }] };
  }
  const env = environmentFor(declaration);
  let parsed: ReturnType<typeof env.parse>;
  try {
    parsed = env.parse(source);
  } catch (error) {
    return { diagnostics: [celDiagnostic(error as CelError, declaration)] };
  }
  const checked = parsed.check();
  if (!checked.valid) {
    return { diagnostics: [celDiagnostic(checked.error as CelError, declaration)] };
  }
  const resultType = toExprType(checked.type ?? 'dyn');
  const expect = options.expect;
  if (expect !== undefined && !typeFits(resultType, expect)) {
    return { diagnostics: [{ message: mismatch(expect, resultType), offset: 0 }] };
  }

  const meter = meterAst(parsed.ast);
  const quoted = source.trim();
  const fail = (reason: string, cause: unknown): WaymarkError =>
    new WaymarkError('EXPRESSION', `expression \`${quoted}\` failed: ${reason}`, {
      cause,
      details: { expression: quoted },
    });

  const evaluate = (scope: ExpressionScope): unknown => {
    meter.reset();
    let raw: unknown;
    try {
      raw = parsed(celContext(scope, declaration));
    } catch (error) {
      const cause = meter.violation ?? error;
      throw fail(reasonOf(cause), cause);
    }
    if (meter.violation !== undefined) throw fail(meter.violation.message, meter.violation);
    let value: unknown;
    try {
      value = fromCelValue(raw);
    } catch (error) {
      throw fail(reasonOf(error), error);
    }
    if (expect !== undefined && !valueFits(value, expect)) {
      throw fail(mismatch(expect, typeOfValue(value)), undefined);
    }
    return value;
  };

  return {
    expression: {
      source,
      resultType,
      evaluate,
    },
    diagnostics: [],
  };
}

/**
 * @example
 * compileTemplate('v${ inputs.version }', declaration).template?.evaluate(scope); // "v1.2.3"
 */
export function compileTemplate(
  text: string,
  declaration: ScopeDeclaration,
  options: CompileOptions = {},
  /** `parseTemplate(text)`, when the caller has it already. */
  parsed: ReturnType<typeof parseTemplate> = parseTemplate(text),
): { template?: CompiledTemplate; diagnostics: ExpressionDiagnostic[] } {
  const { parts, error } = parsed;
  if (error !== undefined) return { diagnostics: [error] };
  const exprs = parts.filter((p) => p.kind === 'expr');
  if (exprs.length > EXPRESSION_LIMITS.maxTemplateExpressions) {
    const over = exprs[EXPRESSION_LIMITS.maxTemplateExpressions];
    const message = `template has ${exprs.length} expressions; the limit is ${EXPRESSION_LIMITS.maxTemplateExpressions}`;
    return { diagnostics: [{ message, offset: over === undefined ? 0 : over.offset - 2 }] };
  }

  const single = parts.length === 1 && parts[0]?.kind === 'expr';
  const diagnostics: ExpressionDiagnostic[] = [];
  const compiled: CompiledTemplatePart[] = [];
  for (const part of parts) {
    if (part.kind === 'text') {
      compiled.push(part);
      continue;
    }
    const result = compileExpression(part.source, declaration, single ? options : {});
    // Offset 0 is where a problem of the whole expression is reported: point at its `${`.
    for (const d of result.diagnostics) {
      diagnostics.push({ ...d, offset: d.offset === 0 ? part.offset - 2 : part.offset + d.offset });
    }
    if (result.expression) {
      compiled.push({ kind: 'expr', offset: part.offset, expression: result.expression });
    }
  }
  const expect = options.expect;
  if (!single && expect !== undefined && !typeFits('string', expect)) {
    const why = exprs.length === 0 ? 'it has no ${ }' : 'text around ${ } makes it a string';
    diagnostics.push({ message: `${mismatch(expect, 'string')} (${why})`, offset: 0 });
  }
  if (diagnostics.length > 0) return { diagnostics };

  const expressions = compiled.flatMap((p) => (p.kind === 'expr' ? [p.expression] : []));
  const only = single ? expressions[0] : undefined;
  const evaluate = (scope: ExpressionScope): unknown => {
    if (only !== undefined) return only.evaluate(scope);
    return compiled
      .map((p) => (p.kind === 'text' ? p.text : interpolate(p.expression.evaluate(scope))))
      .join('');
  };
  return {
    template: {
      source: text,
      parts: compiled,
      resultType: only?.resultType ?? 'string',
      evaluate,
    },
    diagnostics: [],
  };
}

/** How a value reads inside text: strings as they are, null as nothing, the rest as JSON. */
function interpolate(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function celDiagnostic(error: CelError, declaration: ScopeDeclaration): ExpressionDiagnostic {
  const offset = error.range?.start ?? 0;
  if (error.code === 'limit_exceeded') {
    const message = /maxDepth/.test(error.summary ?? error.message)
      ? `expression nests deeper than ${EXPRESSION_LIMITS.maxDepth} levels (the depth limit)`
      : `expression limit exceeded: ${error.summary ?? error.message}`;
    return { message, offset };
  }
  const hint = unknownNameHint(error.code ?? '', error.node, declaration);
  const message = error.summary ?? error.message;
  return hint === undefined ? { message, offset } : { message, offset, hint };
}

function reasonOf(error: unknown): string {
  if (error instanceof WaymarkError) return error.message;
  const cel = error as CelError;
  return cel.summary ?? (error instanceof Error ? error.message : String(error));
}

function toExprType(celType: string): ExprType {
  switch (celType) {
    case 'bool':
    case 'string':
    case 'int':
    case 'double':
      return celType;
    case 'uint':
      return 'int';
    case 'null':
    case 'null_type':
      return 'null';
    case 'google.protobuf.Timestamp':
    case 'google.protobuf.Duration':
      return 'string';
  }
  if (celType.startsWith('list')) return 'list';
  if (celType.startsWith('map') || celType.startsWith('waymark.')) return 'map';
  return 'dyn';
}

function typeFits(actual: ExprType, expected: ExprType): boolean {
  return (
    actual === expected ||
    actual === 'dyn' ||
    expected === 'dyn' ||
    (expected === 'double' && actual === 'int')
  );
}

function valueFits(value: unknown, expected: ExprType): boolean {
  return typeFits(typeOfValue(value), expected);
}

function typeOfValue(value: unknown): ExprType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'double';
    case 'object':
      return 'map';
    default:
      return 'dyn';
  }
}

function mismatch(expected: ExprType, actual: ExprType): string {
  const what = expected === 'bool' ? 'condition' : 'value';
  return `${what} must be ${expected}, got ${actual}`;
}
