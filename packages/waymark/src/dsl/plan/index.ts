export { formatPlan } from './format-plan.ts';
export type { Plan, PlanStage, PlanStep } from './plan.ts';
export { planWorkflow } from './plan-workflow.ts';
