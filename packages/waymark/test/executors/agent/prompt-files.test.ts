import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentArgsSchema, type AgentArgs } from '../../../src/executors/agent/agent-args.ts';
import { prepareBrief } from '../../../src/executors/agent/prompt-files.ts';
import { tempDir } from '../../temp-dir.ts';

function project(files: Record<string, string>): string {
  const dir = tempDir('waymark-agent-files-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const args = (given: Record<string, unknown>): AgentArgs => agentArgsSchema.parse(given);

describe('roles, profiles and skills', () => {
  const dir = project({
    'roles/planner.md':
      '---\ndescription: Plans\nmodel: opus\nmax_turns: 4\n---\nYou plan changes.\n',
    'profiles/careful.md':
      '---\nmodel: sonnet\npermissions: read-only\nallowed_tools: [Read]\n---\nDouble-check.\n',
    'skills/git.md': '---\nallowed_tools: ["Bash(git *)", Read]\n---\nUse small commits.\n',
    'skills/typescript.md': 'Strict mode.\n',
  });

  it('assembles role, profile and skills into the instructions, and keeps the prompt apart', async () => {
    const brief = await prepareBrief(
      args({
        prompt: 'Plan X',
        role: 'planner',
        profile: 'careful',
        skills: ['git', 'typescript'],
      }),
      dir,
    );
    expect(brief.prompt).toBe('Plan X');
    expect(brief.instructions).toBe(
      'You plan changes.\n\nDouble-check.\n\n# Skills\n\n## git\n\nUse small commits.\n\n## typescript\n\nStrict mode.',
    );
  });

  it('takes settings from the stage, else the profile, else the role; skills add their tools', async () => {
    const brief = await prepareBrief(
      args({ prompt: 'p', role: 'planner', profile: 'careful', skills: ['git'], max_turns: 9 }),
      dir,
    );
    expect(brief.settings).toEqual({
      model: 'sonnet',
      max_turns: 9,
      permissions: 'read-only',
      allowed_tools: ['Read', 'Bash(git *)'],
    });
    const roleOnly = await prepareBrief(
      args({ prompt: 'p', role: 'planner', model: 'haiku' }),
      dir,
    );
    expect(roleOnly.settings).toEqual({ model: 'haiku', max_turns: 4 });
  });

  it('needs no files at all', async () => {
    const brief = await prepareBrief(args({ prompt: 'just this' }), dir);
    expect(brief).toEqual({ instructions: '', prompt: 'just this', settings: {} });
  });

  it('says which file is missing and which exist', async () => {
    await expect(prepareBrief(args({ prompt: 'p', role: 'planer' }), dir)).rejects.toMatchObject({
      code: 'AGENT_CONFIG',
      message: `role "planer": there is no roles/planer.md in ${dir} (roles: planner)`,
    });
    await expect(prepareBrief(args({ prompt: 'p', skills: ['go'] }), dir)).rejects.toThrow(
      'skill "go": there is no skills/go.md',
    );
  });

  it('reports a bad front matter at its line', async () => {
    const bad = project({
      'roles/a.md': '---\nmodel: x\nmodle: y\n---\nbody',
      'roles/b.md': '---\nmax_turns: many\n---\nbody',
      'roles/c.md': '---\nmodel: [unclosed\n---\nbody',
      'roles/d.md': '---\nmodel: x\nbody without an end',
      'skills/s.md': '---\nmodel: x\n---\nbody',
    });
    await expect(prepareBrief(args({ prompt: 'p', role: 'a' }), bad)).rejects.toThrow(
      'roles/a.md:3: front matter: unknown key "modle" (a role may set: model, max_turns, allowed_tools, permissions, description)',
    );
    await expect(prepareBrief(args({ prompt: 'p', role: 'b' }), bad)).rejects.toThrow(
      /^roles\/b.md:2: front matter: max_turns: /,
    );
    await expect(prepareBrief(args({ prompt: 'p', role: 'c' }), bad)).rejects.toThrow(
      /^roles\/c.md:3: front matter: Flow sequence in block collection must be sufficiently indented and end with a ]$/,
    );
    await expect(prepareBrief(args({ prompt: 'p', role: 'd' }), bad)).rejects.toThrow(
      'roles/d.md:1: front matter: opened with "---" but never closed',
    );
    await expect(prepareBrief(args({ prompt: 'p', skills: ['s'] }), bad)).rejects.toThrow(
      'skills/s.md:2: front matter: unknown key "model" (a skill may set: description, allowed_tools)',
    );
  });

  it('refuses names that are paths', () => {
    for (const role of ['../secrets', 'a/b', '.hidden', '']) {
      expect(agentArgsSchema.safeParse({ prompt: 'p', role }).success).toBe(false);
    }
    expect(agentArgsSchema.safeParse({ prompt: '' }).success).toBe(false);
    expect(agentArgsSchema.safeParse({ prompt: 'p', max_turn: 3 }).success).toBe(false);
  });
});
