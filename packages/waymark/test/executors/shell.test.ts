import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createExecutorContext,
  createShellExecutor,
  type ExecutorContext,
} from '../../src/executors/index.ts';
import { fakeContext, fakeStep, scratchDir } from './fake-step.ts';
import { isAlive } from './process-alive.ts';
import { WaymarkError } from '../../src/core/errors.ts';
import { tempDir } from '../temp-dir.ts';

const PATH = { PATH: '/usr/local/bin:/usr/bin:/bin' };
const shell = createShellExecutor({ baseEnv: PATH, killGraceMs: 200 });

function ctx(signal = new AbortController().signal): ExecutorContext {
  return fakeContext(fakeStep({ signal, key: 's1' }));
}

async function run(args: unknown, c = ctx()): Promise<unknown> {
  const parsed = shell.withSchema.parse(args);
  return (await shell.run(parsed, c)).output;
}

describe('shell executor', () => {
  it('runs an argv array without a shell', async () => {
    expect(await run({ command: ['echo', 'hello', 'world'] })).toBe('hello world');
  });

  it('parses json and lines output', async () => {
    expect(await run({ command: ['echo', '{"n": 3}'], output: 'json' })).toEqual({ n: 3 });
    expect(await run({ command: ['printf', 'a\\nb\\n'], output: 'lines' })).toEqual(['a', 'b']);
  });

  it('runs a script with bash -euo pipefail, values through env', async () => {
    const out = await run({
      script: 'echo "v=$VERSION step=$WAYMARK_STEP_ID"',
      env: { VERSION: '1.2.3' },
    });
    expect(out).toBe('v=1.2.3 step=s1');
    await expect(run({ script: 'echo "$UNSET_VARIABLE"' })).rejects.toThrow(/unbound variable/);
    await expect(run({ script: 'false | cat' })).rejects.toThrow(/exited with code 1/);
  });

  it('passes injection attempts literally, as argv elements and env values', async () => {
    const dir = tempDir('waymark-shell-');
    const marker = path.join(dir, 'pwned');
    const attempts = [
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `; touch ${marker}`,
      `x && touch ${marker} || curl x`,
      '$(rm -rf ~)',
      `a\ntouch ${marker}\n`,
      `--upload-pack=touch ${marker}`,
      `'"; touch ${marker}; echo "'`,
    ];
    for (const attempt of attempts) {
      // `output: text` drops one trailing newline.
      const text = attempt.replace(/\n$/, '');
      expect(await run({ command: ['printf', '%s', attempt] })).toBe(text);
      expect(await run({ script: 'printf %s "$VALUE"', env: { VALUE: attempt } })).toBe(text);
      expect(await run({ command: ['cat'], stdin: attempt })).toBe(text);
    }
    // An option-looking value is one argv element: git sees a repository named that way.
    const git = await run({
      command: ['printf', '[%s]', 'ls-remote', `--upload-pack=touch ${marker}`],
    });
    expect(git).toBe(`[ls-remote][--upload-pack=touch ${marker}]`);
    expect(existsSync(marker)).toBe(false);
  });

  it('fails a non-zero exit with its code and the tail of stderr', async () => {
    const error = await run({ script: 'echo oops >&2; exit 3' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaymarkError);
    const e = error as WaymarkError;
    expect(e.code).toBe('SHELL_EXIT');
    expect(e.retryable).toBe(true);
    expect(e.message).toBe('script exited with code 3: oops');
    expect(e.details).toMatchObject({ exitCode: 3, stderrTail: 'oops' });
  });

  it('reports a command that cannot start', async () => {
    await expect(run({ command: ['/nonexistent/tool'] })).rejects.toThrow(
      /cannot start "\/nonexistent\/tool"/,
    );
    await expect(run({ command: ['no-such-tool-anywhere'] })).rejects.toThrow(/cannot start/);
  });

  it('feeds stdin to the process', async () => {
    expect(await run({ command: ['wc', '-l'], stdin: 'a\nb\nc\n' })).toBe('3');
    expect(await run({ script: 'read -r line; echo "got $line"', stdin: 'hello\n' })).toBe(
      'got hello',
    );
    // Without stdin, a reading command sees end of input at once.
    expect(await run({ command: ['cat'] })).toBe('');
  });

  it('streams stdout and stderr lines into the history as they arrive, masked', async () => {
    const dir = tempDir('waymark-shell-');
    const go = path.join(dir, 'go');
    const step = fakeStep({ secrets: ['hunter2-secret'] });
    const running = run(
      {
        script: [
          'echo "first line"',
          'echo "token=hunter2-secret" >&2',
          'while [ ! -e "$GO" ]; do sleep 0.02; done',
          'printf "last line without newline"',
        ].join('\n'),
        env: { GO: go },
      },
      fakeContext(step),
    );
    // The first lines are in the history while the script still waits for the go file.
    const deadline = Date.now() + 5_000;
    while (step.lines().length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(step.lines('stdout')).toEqual(['first line']);
    expect(step.lines('stderr')).toEqual(['token=***']);
    writeFileSync(go, '');
    expect(await running).toBe('first line\nlast line without newline');
    expect(step.lines('stdout')).toEqual(['first line', 'last line without newline']);
  });

  it('caps the lines an attempt adds to the history', async () => {
    const step = fakeStep();
    const attempt = createExecutorContext(step, {
      artifactsRoot: scratchDir(),
      logLimits: { maxLines: 5, maxLineLength: 10 },
    });
    await run(
      { script: 'for i in $(seq 1 20); do echo "line $i of many lines"; done' },
      attempt.context,
    );
    attempt.end();
    expect(step.lines()).toEqual([
      ...[1, 2, 3, 4, 5].map((i) => `line ${i} of … (10 more characters)`),
      '15 more lines not recorded (at most 5 per attempt)',
    ]);
  });

  it('names the signal that killed the command', async () => {
    await expect(run({ script: 'kill -TERM $$' })).rejects.toThrow(/script was killed by SIGTERM/);
  });

  it('does not read the environment of the process, only its options', async () => {
    const env = (await run({ command: ['env'], output: 'lines' })) as string[];
    expect(env.map((l) => l.split('=')[0]).sort()).toEqual([
      'PATH',
      'WAYMARK_ARTIFACTS_DIR',
      'WAYMARK_ATTEMPT',
      'WAYMARK_RUN_ID',
      'WAYMARK_STEP_ID',
    ]);
  });

  it('kills the whole process group when the step aborts', async () => {
    const dir = tempDir('waymark-shell-');
    const pidFile = path.join(dir, 'pid');
    const controller = new AbortController();
    const started = run(
      { script: `sleep 30 & echo $! > "${pidFile}"; wait`, cwd: dir },
      ctx(controller.signal),
    );
    const deadline = Date.now() + 5_000;
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') {
      if (Date.now() > deadline) throw new Error('script did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    const grandchild = Number(readFileSync(pidFile, 'utf8').trim());
    controller.abort();
    await expect(started).rejects.toThrow(/aborted/);
    const alive = (): boolean => isAlive(grandchild);
    const until = Date.now() + 3_000;
    while (alive() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(alive()).toBe(false);
  });

  it('SIGTERM first: a process that stops on it ends the step at once, one that ignores it gets SIGKILL after the grace period', async () => {
    const slowKill = createShellExecutor({ baseEnv: PATH, killGraceMs: 3_000 });
    for (const [script, least, most] of [
      ['sleep 30 & echo $! > pid; wait', 0, 2_500],
      ['trap "" TERM; sleep 30 & echo $! > pid; wait', 3_000, 8_000],
    ] as const) {
      const dir = tempDir('waymark-shell-');
      const pidFile = path.join(dir, 'pid');
      const controller = new AbortController();
      const started = slowKill.run(
        slowKill.withSchema.parse({ script, cwd: dir }),
        ctx(controller.signal),
      );
      started.catch(() => {});
      while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') {
        await new Promise((r) => setTimeout(r, 10));
      }
      const sleep = Number(readFileSync(pidFile, 'utf8').trim());
      const abortedAt = Date.now();
      controller.abort();
      await expect(started).rejects.toThrow(/aborted/);
      const took = Date.now() - abortedAt;
      expect([script, took >= least && took < most]).toEqual([script, true]);
      expect(isAlive(sleep)).toBe(false);
    }
  });

  it('rejects arguments with both or neither of command and script', () => {
    expect(shell.withSchema.safeParse({ command: ['a'], script: 'b' }).success).toBe(false);
    expect(shell.withSchema.safeParse({}).success).toBe(false);
    expect(shell.withSchema.safeParse({ command: 'echo hi' }).success).toBe(false);
  });
});
