import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  builtinExecutors,
  createExecutorRegistry,
  createShellExecutor,
  defineExecutor,
  type ShellArgs,
} from '../../../src/executors/index.ts';
import { createTestEngine, type TestEngine } from '../../../src/testing/test-engine.ts';
import { compileYaml } from './helpers.ts';

const EXAMPLES = fileURLToPath(new URL('../../../../../examples/yaml/', import.meta.url));

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/**
 * The release example (and its notify-team child) compiled with a `shell` that records each
 * step's command (or script) and env instead of running it: no npm or network here. `fail`
 * may throw to play a failing command.
 */
function compileRelease(commands: string[], fail: (args: ShellArgs) => void = () => {}) {
  const realShell = createShellExecutor();
  const fakeShell = defineExecutor<ShellArgs>({
    name: 'shell',
    withSchema: realShell.withSchema as never,
    literalArgs: realShell.literalArgs ?? [],
    wordArgs: realShell.wordArgs ?? [],
    run: async (args, ctx) => {
      const env = Object.entries(args.env ?? {}).map(([k, v]) => ` ${k}=${v}`);
      commands.push(`${ctx.stepId}: ${JSON.stringify(args.command ?? args.script)}${env.join('')}`);
      fail(args);
      return { output: 'ok' };
    },
  });
  const executors = createExecutorRegistry([
    ...builtinExecutors().filter((e) => e.name !== 'shell'),
    fakeShell,
  ]);
  const notify = compileYaml(readFileSync(`${EXAMPLES}notify-team.workflow.yaml`, 'utf8'), {
    file: 'examples/yaml/notify-team.workflow.yaml',
    executors,
  });
  return compileYaml(readFileSync(`${EXAMPLES}release.workflow.yaml`, 'utf8'), {
    file: 'examples/yaml/release.workflow.yaml',
    executors,
    resolveWorkflow: (ref) => (ref === './notify-team.workflow.yaml' ? notify : undefined),
  });
}

describe('examples/yaml/release.workflow.yaml', () => {
  it('compiles and runs end to end (shell faked: no npm or network here)', async () => {
    const commands: string[] = [];
    let served = 0;
    // Not served at first: the smoke loop pauses and checks again.
    const release = compileRelease(commands, (args) => {
      if (args.command?.[1] === 'view' && ++served < 2) throw new Error('E404');
    });
    expect(release.name).toBe('release');
    expect(release.version).toBe('1');

    t = await createTestEngine({ workflows: [release], secrets: { NPM_TOKEN: 'tok' } });
    const run = await t.engine.start(release, { version: '1.2.3' });
    for (let i = 0; i < 40; i++) {
      const status = (await t.engine.getRun(run.id))?.status;
      if (status === 'completed' || status === 'failed') break;
      await t.clock.advance('30s');
    }
    expect(await run.result()).toEqual({ tag: 'v1.2.3', published: true });
    const child = (await t.engine.steps(run.id)).find((s) => s.key === 'notify');
    expect(child?.output).toEqual({
      channel: 'releases',
      message: '#releases: Released v1.2.3 on stable',
    });
    expect(commands.sort()).toEqual([
      'lint: ["npm","run","lint"]',
      'pack: "mkdir -p .waymark/release\\nnpm pack --workspace waymark --pack-destination .waymark/release\\n"',
      'publish: ["npm","publish",".waymark/release/waymark-1.2.3.tgz","--tag","stable"] NPM_TOKEN=tok',
      'set_version: ["npm","version","1.2.3","--workspace","waymark","--no-git-tag-version","--allow-same-version"]',
      'smoke[0].served: ["npm","view","waymark@1.2.3","version"]',
      'smoke[1].served: ["npm","view","waymark@1.2.3","version"]',
      'unit_tests: ["npm","test"]',
    ]);
    const keys = (await t.engine.steps(run.id)).map((s) => `${s.key} ${s.status}`).sort();
    expect(keys).toEqual([
      'announce_start completed',
      'done completed',
      'lint completed',
      'notify completed',
      'pack completed',
      'publish completed',
      'registry_propagation completed',
      'set_version completed',
      'smoke[0].pause completed',
      'smoke[0].served failed',
      'smoke[1].served completed',
      'unit_tests completed',
    ]);
  });

  it('with dry_run runs no command: only the log, the skipped publish and the announcement', async () => {
    const commands: string[] = [];
    const release = compileRelease(commands);
    t = await createTestEngine({ workflows: [release] });
    const run = await t.engine.start(release, { version: '1.2.3', dry_run: true });
    expect(await run.result()).toEqual({ tag: 'v1.2.3', published: false });
    expect(commands).toEqual([]);
    const child = (await t.engine.steps(run.id)).find((s) => s.key === 'notify');
    expect(child?.output).toEqual({
      channel: 'releases',
      message: '#releases: Dry run of v1.2.3 on stable',
    });
  });
});
