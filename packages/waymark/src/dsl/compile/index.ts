/** YAML → WorkflowDefinition: the compiler and its load-time expression check. */
export { checkExpressions } from './check-expressions.ts';
export { compileWorkflowDocument, type CompileWorkflowOptions } from './compile-workflow.ts';
