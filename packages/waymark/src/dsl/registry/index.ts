export {
  createWorkflowRegistry,
  type RegisteredWorkflow,
  WORKFLOW_FILE_SUFFIX,
  type WorkflowRegistry,
  type WorkflowRegistryOptions,
  type WorkflowSummary,
  type WriteWorkflowOptions,
} from './workflow-registry.ts';
export { type ResolveWorkflowOptions, resolveWorkflowFrom } from './resolve-workflow.ts';
