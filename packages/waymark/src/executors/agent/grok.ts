/**
 * xAI Grok Build (the official `@xai-official/grok`): `grok --output-format=
 * streaming-messages-json … --single=<prompt>`. Headless Grok never reads stdin, so the prompt
 * is one argument; role, profile and skills go to `--rules` (appended to its system prompt).
 * Its `streaming-messages-json` is Claude's `stream-json` shape, so Claude's parser reads it;
 * a failure is an `{ "type": "error" }` object and exit code 1. Its permission modes are
 * Claude's.
 */
import type { AgentProvider } from './agent-provider.ts';
import { PERMISSION_MODE } from './claude-code.ts';
import { createClaudeStreamParser } from './claude-stream.ts';

export const grok: AgentProvider = {
  name: 'grok',
  title: 'xAI Grok Build',
  binary: 'grok',
  npmPackage: '@xai-official/grok',
  credentialEnv: ['XAI_API_KEY'],
  help: {
    // The community @vibe-kit/grok-cli also installs a `grok`; it has none of these.
    args: ['--help'],
    mentions: ['--output-format', '--single', '--rules', '--max-turns'],
  },
  lacks: {},
  invocation(brief) {
    const { model, max_turns: maxTurns, allowed_tools: tools, permissions } = brief.settings;
    const args = ['--output-format=streaming-messages-json', '--no-auto-update'];
    if (model !== undefined) args.push(`--model=${model}`);
    if (maxTurns !== undefined) args.push(`--max-turns=${maxTurns}`);
    if (permissions !== undefined) args.push(`--permission-mode=${PERMISSION_MODE[permissions]}`);
    for (const rule of tools ?? []) args.push(`--allow=${rule}`);
    if (brief.instructions !== '') args.push(`--rules=${brief.instructions}`);
    args.push(`--single=${brief.prompt}`);
    return { args };
  },
  parser: () => createClaudeStreamParser({ zeroUsageIsUnknown: true }),
};
