/**
 * The names a YAML stage's `provider:` may take, one per agent provider (see index.ts). Apart
 * from the providers themselves, so validating a workflow does not load the agent executors.
 */
export const AGENT_PROVIDER_NAMES: readonly string[] = ['claude-code', 'codex', 'gemini', 'grok'];
