/** `waymark run --summary`: the run's steps as a table after its result. */
import type { Engine } from '../runtime/engine.ts';
import type { CliContext } from './cli-context.ts';
import { formatStepsSection } from './format/run-status.ts';

export async function printStepSummary(
  engine: Engine,
  runId: string,
  ctx: CliContext,
): Promise<void> {
  ctx.io.stdout(`\n${formatStepsSection(await engine.steps(runId), ctx.style)}`);
}
