export {
  createWorkflowRegistry,
  type RegisteredWorkflow,
  type WorkflowRegistry,
  type WorkflowRegistryOptions,
  type WorkflowSummary,
  type WriteWorkflowOptions,
} from './workflow-registry.ts';
export {
  type ResolveWorkflowOptions,
  resolveWorkflowFrom,
  WORKFLOW_FILE_SUFFIX,
} from './resolve-workflow.ts';
