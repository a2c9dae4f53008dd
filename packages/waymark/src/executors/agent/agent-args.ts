/**
 * The arguments of an agent executor: a provider stage's `prompt`, `role`, `profile`,
 * `skills`, `model`, `max_turns`, `cwd`, `allowed_tools` and `permissions`, or the `with:` of a
 * `uses: <provider>` step. (`timeout` is the step's own, enforced by the engine.)
 */
import { z } from 'zod';

/**
 * How much an agent may do without asking, mapped onto each CLI's own permission flags:
 * `read-only` (read and answer), `edit` (change files in its working directory), `full`
 * (anything, no sandbox and no approvals).
 */
export const AGENT_PERMISSIONS = ['read-only', 'edit', 'full'] as const;
export type AgentPermissions = (typeof AGENT_PERMISSIONS)[number];

/** A role, profile or skill name: a file name without `.md`, never a path. */
export const PROMPT_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

const fileName = (what: string) =>
  z.string().regex(PROMPT_FILE_NAME, {
    error: `a ${what} is a file name in ${what}s/ without ".md": letters, digits, - and _`,
  });

/** The settings a role or profile file may also give; the stage's own win. */
export const agentSettingsSchema = z.object({
  model: z.string().min(1).optional(),
  max_turns: z.int().min(1).optional(),
  allowed_tools: z.array(z.string().min(1)).optional(),
  permissions: z.enum(AGENT_PERMISSIONS).optional(),
});
export type AgentSettings = z.output<typeof agentSettingsSchema>;

export const agentArgsSchema = agentSettingsSchema
  .extend({
    prompt: z.string().min(1, { error: 'the prompt is empty' }),
    role: fileName('role').optional(),
    profile: fileName('profile').optional(),
    skills: z.array(fileName('skill')).optional(),
    /** Relative to the project directory. */
    cwd: z.string().min(1).optional(),
  })
  .strict();
export type AgentArgs = z.output<typeof agentArgsSchema>;

/** The keys of a provider stage that become the agent's arguments. */
export const AGENT_STAGE_KEYS = Object.keys(agentArgsSchema.shape) as Array<keyof AgentArgs>;
