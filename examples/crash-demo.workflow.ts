// A run to kill and resume by hand. Each of its 20 steps appends a line to a ledger file and
// takes ~100 ms, so there is time to kill the process mid-run. From the repository root (the
// CLI's own file, not `npx waymark`: npx starts the CLI as its child, and `kill -9` of npx
// would leave the CLI running):
//
//   node_modules/.bin/waymark run examples/crash-demo.workflow.ts \
//     --input ledger=/tmp/ledger.txt &
//   sleep 3; kill -9 $!                  # the run stays `running` under the dead lease
//   npx waymark run examples/crash-demo.workflow.ts --resume <runId>
//   cat /tmp/ledger.txt
//
// The resume waits for the dead process's lease to expire (5 s with the CLI), then carries on
// from the last recorded step. The ledger shows every step once, except that the one running
// at the kill may appear twice: steps run at least once, and their recorded results never again.
import { appendFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { defineWorkflow } from 'waymark';
import { z } from 'zod';

const STEPS = 20;

export default defineWorkflow(
  { name: 'crash-demo', input: z.object({ ledger: z.string().min(1) }) },
  async (ctx, input) => {
    for (let i = 1; i <= STEPS; i++) {
      await ctx.step(`step-${String(i).padStart(2, '0')}`, async ({ attempt, signal }) => {
        await appendFile(input.ledger, `step ${i} attempt ${attempt} run ${ctx.runId}\n`);
        await delay(100, undefined, { signal });
        return i;
      });
    }
    return { steps: STEPS, ledger: input.ledger };
  },
);
