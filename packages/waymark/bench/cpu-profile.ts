import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

export interface FunctionTime {
  name: string;
  /** Samples' share with this function on top of the stack. */
  selfPct: number;
  /** Samples' share with this function anywhere on the stack. */
  totalPct: number;
}

/**
 * Self and inclusive time per function of a `node --cpu-prof` profile, heaviest first. Frames
 * are keyed by name and location, so one function's time is summed over all its call paths.
 */
export function summarizeCpuProfile(path: string, top = 25): FunctionTime[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, count] of hits) {
    const top = byId.get(id);
    if (top === undefined) continue;
    self.set(frameKey(top), (self.get(frameKey(top)) ?? 0) + count);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (node !== undefined) onStack.add(frameKey(node));
    }
    for (const key of onStack) total.set(key, (total.get(key) ?? 0) + count);
  }
  const samples = profile.samples.length;
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, count]) => ({
      name,
      selfPct: (100 * count) / samples,
      totalPct: (100 * (total.get(name) ?? count)) / samples,
    }));
}

function frameKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/waymark-bench\//, '').replace(/^.*\/node_modules\//, '');
  return `${functionName || '(anonymous)'} ${file === '' ? '' : `${file}:${lineNumber + 1}`}`.trim();
}
