/** The expression layer of the YAML DSL: `${ … }` templates of CEL, checked when a workflow loads. */
export {
  compileExpression,
  compileTemplate,
  type CompileOptions,
  type CompiledExpression,
  type CompiledTemplate,
  type CompiledTemplatePart,
  type ExpressionDiagnostic,
} from './compile.ts';
export { isDeclarableName } from './environment.ts';
export { EXPRESSION_LIMITS } from './limits.ts';
export { type ExprType, type ExpressionScope, type ScopeDeclaration } from './scope.ts';
export {
  isTemplate,
  parseTemplate,
  type TemplateParseError,
  type TemplatePart,
} from './template.ts';
