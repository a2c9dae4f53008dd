/**
 * Roles, profiles and skills: markdown files in the project (`roles/<name>.md`,
 * `profiles/<name>.md`, `skills/<name>.md`) from which an agent's instructions are assembled.
 * A role says who the agent is, a profile how it works, a skill what it knows; the front matter
 * of a role or profile may also set `model`, `max_turns`, `allowed_tools` and `permissions`,
 * and a skill may add `allowed_tools`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { agentError } from './agent-result.ts';
import { type AgentArgs, type AgentSettings, agentSettingsSchema } from './agent-args.ts';
import { FrontMatterError, type MarkdownFile, parseMarkdownFile } from './front-matter.ts';

export interface AgentBrief {
  /** Role, profile and skills, in that order: a system prompt where the CLI takes one. */
  instructions: string;
  /** The stage's prompt. */
  prompt: string;
  /** The stage's settings, else the profile's, else the role's; skills add allowed tools. */
  settings: AgentSettings;
}

const described = { description: z.string().optional() };
const settingsFile = agentSettingsSchema.extend(described).strict();
const skillFile = z.strictObject({
  ...described,
  allowed_tools: agentSettingsSchema.shape.allowed_tools,
});

type Kind = 'role' | 'profile' | 'skill';

/** Reads the files a stage names under `projectDir` and assembles its brief. */
export async function prepareBrief(args: AgentArgs, projectDir: string): Promise<AgentBrief> {
  const role = args.role === undefined ? undefined : await load(projectDir, 'role', args.role);
  const profile =
    args.profile === undefined ? undefined : await load(projectDir, 'profile', args.profile);
  const skills = await Promise.all(
    (args.skills ?? []).map(async (name) => ({
      name,
      file: await load(projectDir, 'skill', name),
    })),
  );
  const roleSettings =
    role === undefined ? {} : settingsOf(role, 'role', args.role ?? '', settingsFile);
  const profileSettings =
    profile === undefined ? {} : settingsOf(profile, 'profile', args.profile ?? '', settingsFile);
  const skillTools = skills.flatMap(
    ({ name, file }) => settingsOf(file, 'skill', name, skillFile).allowed_tools ?? [],
  );
  const settings: AgentSettings = {};
  for (const key of ['model', 'max_turns', 'allowed_tools', 'permissions'] as const) {
    const value = args[key] ?? profileSettings[key] ?? roleSettings[key];
    if (value !== undefined) Object.assign(settings, { [key]: value });
  }
  if (skillTools.length > 0) {
    settings.allowed_tools = [...new Set([...(settings.allowed_tools ?? []), ...skillTools])];
  }
  const parts = [role?.body, profile?.body];
  if (skills.length > 0) {
    parts.push(
      ['# Skills', ...skills.map(({ name, file }) => `## ${name}\n\n${file.body}`)].join('\n\n'),
    );
  }
  return {
    instructions: parts.filter((p) => p !== undefined && p !== '').join('\n\n'),
    prompt: args.prompt,
    settings,
  };
}

async function load(projectDir: string, kind: Kind, name: string): Promise<MarkdownFile> {
  const relative = `${kind}s/${name}.md`;
  let text: string;
  try {
    text = await readFile(join(projectDir, relative), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const known = await available(projectDir, kind);
    throw agentError(
      'AGENT_CONFIG',
      `${kind} "${name}": there is no ${relative} in ${projectDir}${
        known.length === 0 ? ` (no ${kind}s/ files at all)` : ` (${kind}s: ${known.join(', ')})`
      }`,
    );
  }
  try {
    return parseMarkdownFile(text);
  } catch (error) {
    if (!(error instanceof FrontMatterError)) throw error;
    throw agentError('AGENT_CONFIG', `${relative}:${error.line}: front matter: ${error.message}`);
  }
}

function settingsOf<T extends Record<string, unknown>>(
  file: MarkdownFile,
  kind: Kind,
  name: string,
  schema: z.ZodType<T>,
): T {
  const parsed = schema.safeParse(file.data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key =
    issue?.code === 'unrecognized_keys' ? (issue.keys[0] ?? '') : String(issue?.path[0] ?? '');
  const line = file.lineOf(key) ?? 2;
  const what =
    issue?.code === 'unrecognized_keys'
      ? `unknown key "${key}" (a ${kind} may set: ${Object.keys(schemaShape(schema)).join(', ')})`
      : `${key}: ${issue?.message ?? 'invalid'}`;
  throw agentError('AGENT_CONFIG', `${kind}s/${name}.md:${line}: front matter: ${what}`);
}

function schemaShape(schema: z.ZodType): Record<string, unknown> {
  return schema instanceof z.ZodObject ? schema.shape : {};
}

async function available(projectDir: string, kind: Kind): Promise<string[]> {
  const entries = await readdir(join(projectDir, `${kind}s`)).catch(() => [] as string[]);
  return entries
    .filter((f) => f.endsWith('.md'))
    .map((f) => f.slice(0, -3))
    .sort();
}
