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

describe('examples/yaml/release.workflow.yaml', () => {
  it('compiles and runs end to end (shell faked: no npm or network here)', async () => {
    const commands: string[] = [];
    let health = 0;
    const realShell = createShellExecutor();
    const fakeShell = defineExecutor<ShellArgs>({
      name: 'shell',
      withSchema: realShell.withSchema as never,
      literalArgs: realShell.literalArgs ?? [],
      wordArgs: realShell.wordArgs ?? [],
      run: async (args, ctx) => {
        const env = Object.entries(args.env ?? {}).map(([k, v]) => ` ${k}=${v}`);
        commands.push(`${ctx.stepId}: ${JSON.stringify(args.command)}${env.join('')}`);
        // Unhealthy at first: the smoke loop pauses and checks again.
        if (args.command?.[0] === 'curl' && ++health < 2) throw new Error('HTTP 503');
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
    const release = compileYaml(readFileSync(`${EXAMPLES}release.workflow.yaml`, 'utf8'), {
      file: 'examples/yaml/release.workflow.yaml',
      executors,
      resolveWorkflow: (ref) => (ref === './notify-team.workflow.yaml' ? notify : undefined),
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
      'build[0].build_platform: ["npm","run","build"] TARGET=linux',
      'build[1].build_platform: ["npm","run","build"] TARGET=darwin',
      'lint: ["npm","run","lint"]',
      'publish: ["npm","publish","--tag","stable"] NPM_TOKEN=tok',
      'smoke[0].health: ["curl","-fsS","https://example.com/health"]',
      'smoke[1].health: ["curl","-fsS","https://example.com/health"]',
      'unit_tests: ["npm","test"]',
    ]);
    const keys = (await t.engine.steps(run.id)).map((s) => `${s.key} ${s.status}`).sort();
    expect(keys).toEqual([
      'announce_start completed',
      'build[0].build_platform completed',
      'build[1].build_platform completed',
      'cdn_propagation completed',
      'done completed',
      'lint completed',
      'notify completed',
      'publish completed',
      'smoke[0].health failed',
      'smoke[0].pause completed',
      'smoke[1].health completed',
      'smoke[1].pause completed', // its if was false: a skip record
      'unit_tests completed',
    ]);
  });
});
