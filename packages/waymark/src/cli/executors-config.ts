/**
 * The executors of the CLI's YAML workflows, configured from the environment (`shell` starts
 * from it) and from the project's configuration file, `waymark.config.json` (or the file
 * `WAYMARK_CONFIG` names), whose `executors` section holds each executor's settings:
 *
 *   { "executors": {
 *       "http": { "allow": ["127.0.0.1", "10.0.0.0/8", "api.internal"] },
 *       "module": { "config": { "region": "eu-west-1" } },
 *       "shell": { "killGraceMs": 5000 },
 *       "claude-code": { "binary": "/opt/claude/bin/claude" } } }
 *
 * A missing file is no configuration; an invalid one (an unknown executor or setting
 * included) is an error naming the file and the field.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { AGENT_PROVIDER_NAMES } from '../executors/agent/index.ts';
import {
  type BuiltinExecutorOptions,
  builtinExecutors,
  createExecutorRegistry,
  type ExecutorRegistry,
} from '../executors/index.ts';
import { agentExecutorOptions } from './agent-options.ts';
import { CliError } from './cli-error.ts';
import type { CliConfig } from './config.ts';

const allowEntry = z.string().refine(
  (entry) => {
    const [net, bits, ...rest] = entry.split('/');
    if (rest.length > 0 || net === undefined || net === '') return false;
    const family = isIP(net);
    if (bits === undefined) return family !== 0 || /^[a-z0-9.-]+$/i.test(net);
    const n = Number(bits);
    return family !== 0 && Number.isInteger(n) && n >= 0 && n <= (family === 4 ? 32 : 128);
  },
  { message: 'expected an address (10.0.0.5, ::1), a CIDR range (10.0.0.0/8) or a host name' },
);

const byteCount = z.number().int().positive();

/** An agent provider's section: its executable (a name looked up on PATH, or a path). */
const agentSection = z
  .object({ binary: z.string().min(1).optional() })
  .strict()
  .optional();

const configSchema = z
  .object({
    executors: z
      .object({
        shell: z
          .object({
            killGraceMs: z.number().int().min(0).optional(),
            maxOutputBytes: byteCount.optional(),
            stderrTailBytes: byteCount.optional(),
            bash: z.string().min(1).optional(),
          })
          .strict()
          .optional(),
        http: z
          .object({
            allow: z.array(allowEntry).optional(),
            allowPrivateNetworks: z.boolean().optional(),
            maxBodyBytes: byteCount.optional(),
            maxRedirects: z.number().int().min(0).optional(),
          })
          .strict()
          .optional(),
        module: z
          .object({ config: z.record(z.string(), z.unknown()).optional() })
          .strict()
          .optional(),
        ...Object.fromEntries(AGENT_PROVIDER_NAMES.map((name) => [name, agentSection])),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ProjectConfig = z.output<typeof configSchema>;

const cache = new WeakMap<CliConfig, ExecutorRegistry>();

/** The project configuration, or `{}` when there is no file. */
export function readProjectConfig(config: CliConfig): ProjectConfig {
  let text: string;
  try {
    text = readFileSync(config.configFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read ${config.configFile}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${config.configFile} is not JSON: ${(error as Error).message}`);
  }
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `  ${i.path.join('.') || '(the file)'}: ${i.message}`,
    );
    throw new CliError(`${config.configFile} is invalid:\n${problems.join('\n')}`);
  }
  return parsed.data;
}

/** The registry YAML workflows run with: the built-ins, configured (made once per config). */
export function cliExecutors(config: CliConfig): ExecutorRegistry {
  let registry = cache.get(config);
  if (registry === undefined) {
    const project = readProjectConfig(config);
    // Parsed from JSON, which has no undefined: the optional fields are absent, not undefined.
    const { shell, http, module } = (project.executors ?? {}) as BuiltinExecutorOptions;
    registry = createExecutorRegistry(
      builtinExecutors({
        ...(http === undefined ? {} : { http }),
        ...(module === undefined ? {} : { module }),
        shell: { ...shell, baseEnv: config.env, cwd: config.cwd },
        agents: agentExecutorOptions(config, project),
      }),
    );
    cache.set(config, registry);
  }
  return registry;
}
