/**
 * One scenario in its own process (started by run-bench.ts from the plain-JS build), so its
 * peak RSS is its own. Usage: `scenario-child.js <scenario> [--trace]`; the result is printed
 * as JSON on stdout (nothing else is).
 */
import { measureScenario } from './measure.ts';
import { findScenario } from './scenarios.ts';

export type ChildMessage =
  { ok: true; result: Awaited<ReturnType<typeof measureScenario>> } | { ok: false; error: string };

async function main(): Promise<ChildMessage> {
  const [name, ...flags] = process.argv.slice(2);
  if (name === undefined) return { ok: false, error: 'usage: scenario-child <scenario> [--trace]' };
  try {
    const result = await measureScenario(findScenario(name), { trace: flags.includes('--trace') });
    return { ok: true, result };
  } catch (error) {
    return {
      ok: false,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
}

console.log(JSON.stringify(await main(), null, 2));
