/** YAML → WorkflowDefinition: the compiler (the tree it runs is built when the file loads). */
export { compileWorkflowDocument, type CompileWorkflowOptions } from './compile-workflow.ts';
