import {
  AGENT_PROVIDERS,
  type AgentCliStatus,
  checkAgentClis,
} from '../../executors/agent/index.ts';
import { agentBinaryVariable, agentExecutorOptions } from '../agent-options.ts';
import { readProjectConfig } from '../executors-config.ts';
import { EXIT_FAILURE, EXIT_OK } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { formatJson } from '../format/json.ts';
import { formatTable } from '../format/table.ts';

export async function doctorCommand(options: { json?: boolean }, ctx: CliContext): Promise<number> {
  const statuses = await checkAgentClis({
    providers: AGENT_PROVIDERS,
    env: ctx.config.env,
    binaries: agentExecutorOptions(ctx.config, readProjectConfig(ctx.config)).binaries,
    cwd: ctx.config.cwd,
  });
  const code = statuses.some((s) => s.usable) ? EXIT_OK : EXIT_FAILURE;
  if (options.json === true) {
    ctx.io.stdout(formatJson(statuses));
    return code;
  }
  const { style } = ctx;
  const rows = statuses.map((s) => [
    s.provider,
    s.binary,
    s.version ?? '-',
    s.usable
      ? style.green('✔ usable')
      : s.installed
        ? style.red('✘ not usable')
        : style.dim('✘ not installed'),
    note(s),
  ]);
  ctx.io.stdout(formatTable(['PROVIDER', 'EXECUTABLE', 'VERSION', 'STATUS', 'NOTES'], rows));
  ctx.io.stdout(
    style.dim(
      `\nAn executable other than the one on PATH: "binary" in the provider's section of ${ctx.config.configFile} (executors.<provider>.binary), or ${AGENT_PROVIDERS.map((p) => agentBinaryVariable(p.name)).join(', ')}.\n`,
    ),
  );
  return code;
}

function note(status: AgentCliStatus): string {
  if (status.problems.length > 0) return status.problems.join('; ');
  return status.credentials.length > 0
    ? `${status.credentials.join(', ')} set`
    : 'no API key variable set (a saved login may do)';
}
