// Finds where the event loop blocks: a 2 ms heartbeat timer records every gap longer than a
// threshold (the loop was busy with one task, or a run of tasks with no I/O between), and a CPU
// profile taken meanwhile (node:inspector) tells which functions ran in each gap. Both use the
// monotonic clock, so a gap's samples are exactly those between its two beats.
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface LoopBlock {
  /** How long the loop did not run the heartbeat, in ms. */
  ms: number;
  /** When, in ms since the probe started. */
  atMs: number;
  /** The frames most often on the stack during the gap (inclusive share), busiest first. */
  frames: string[];
}

const skipped =
  /^\((root|program|idle)\)|processTicksAndRejections|runMicrotasks|listOnTimeout|processTimers|processImmediate|runNextTicks/;

function frameName(node: ProfileNode) {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.split('/').slice(-2).join('/');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

/**
 * Starts the heartbeat and the profiler; `stop()` returns the gaps longer than `thresholdMs`,
 * longest first, each with the frames that filled it.
 */
export async function startLoopBlocks(thresholdMs = 30) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  const now = () => Number(process.hrtime.bigint() / 1000n);
  const started = now();
  const gaps: { start: number; end: number }[] = [];
  let last = now();
  const timer = setInterval(() => {
    const time = now();
    if (time - last > thresholdMs * 1000) gaps.push({ start: last, end: time });
    last = time;
  }, 2);

  return async function stop(): Promise<LoopBlock[]> {
    clearInterval(timer);
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
    session.disconnect();
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const parents = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
    let time = profile.startTime;
    const samples = profile.samples.map((id, index) => {
      time += profile.timeDeltas[index] ?? 0;
      return { id, time };
    });
    return gaps
      .sort((a, b) => b.end - b.start - (a.end - a.start))
      .map((gap) => {
        const counts = new Map<string, number>();
        let total = 0;
        for (const sample of samples) {
          if (sample.time < gap.start || sample.time > gap.end) continue;
          total++;
          const seen = new Set<string>();
          for (let id: number | undefined = sample.id; id !== undefined; id = parents.get(id)) {
            const name = frameName(nodes.get(id) as ProfileNode);
            if (skipped.test(name) || seen.has(name)) continue;
            seen.add(name);
            counts.set(name, (counts.get(name) ?? 0) + 1);
          }
        }
        const frames = [...counts]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 12)
          .map(([name, count]) => `${Math.round((100 * count) / Math.max(total, 1))}% ${name}`);
        return {
          ms: Math.round((gap.end - gap.start) / 100) / 10,
          atMs: Math.round((gap.start - started) / 1000),
          frames,
        };
      });
  };
}
