import { ValidationError, WaymarkError } from '../core/errors.ts';
import type { WorkflowDefinition } from './workflow.ts';

/** The workflows this process can execute, by name. A worker claims only runs of these. */
export class WorkflowRegistry {
  private readonly byName = new Map<string, WorkflowDefinition>();
  private cachedNames: string[] | null = null;

  constructor(workflows: readonly WorkflowDefinition[] = []) {
    for (const workflow of workflows) {
      const existing = this.byName.get(workflow.name);
      if (existing !== undefined && existing !== workflow) {
        throw new ValidationError(`two different workflows are named "${workflow.name}"`);
      }
      this.add(workflow);
    }
  }

  /** Adds a workflow unless one of that name is known (the first definition wins). */
  add(workflow: WorkflowDefinition): void {
    if (this.byName.has(workflow.name)) return;
    this.byName.set(workflow.name, workflow);
    this.cachedNames = null;
  }

  get(name: string): WorkflowDefinition | undefined {
    return this.byName.get(name);
  }

  require(name: string): WorkflowDefinition {
    const workflow = this.byName.get(name);
    if (workflow === undefined) {
      const known = [...this.byName.keys()].join(', ') || 'none';
      throw new WaymarkError(
        'UNKNOWN_WORKFLOW',
        `no workflow named "${name}" is registered (known: ${known})`,
      );
    }
    return workflow;
  }

  names(): readonly string[] {
    this.cachedNames ??= [...this.byName.keys()];
    return this.cachedNames;
  }
}
