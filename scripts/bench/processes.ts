// Child processes for the start-up and memory benchmarks: each runs a TypeScript script through
// the same tsx loader as the parent, reports JSON lines on stdout, and is measured from outside
// (wall time from spawn, /proc/PID/smaps_rollup).
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Child {
  readonly process: ChildProcess;
  /** Resolves with the next JSON line the child prints whose `event` is `name`. */
  next(name: string): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (and the child's stderr, for failures). */
  readonly exited: Promise<{ code: number | null; stderr: string }>;
}

/** Spawns `command args` (a script runs with this process's tsx loader when `command` ends in `.ts`). */
export function startChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Child {
  const argv = command.endsWith('.ts') ? [...process.execArgv, command, ...args] : [command, ...args];
  const child = spawn(process.execPath, argv, {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const seen: Record<string, unknown>[] = [];
  const waiting: { name: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  lines.on('line', (line) => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    const index = waiting.findIndex((wait) => wait.name === parsed.event);
    if (index >= 0) waiting.splice(index, 1)[0]?.resolve(parsed);
    else seen.push(parsed);
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr })),
  );
  return {
    process: child,
    exited,
    next(name) {
      const index = seen.findIndex((line) => line.event === name);
      if (index >= 0) return Promise.resolve(seen.splice(index, 1)[0] as Record<string, unknown>);
      return Promise.race([
        new Promise<Record<string, unknown>>((resolve) => waiting.push({ name, resolve })),
        exited.then(({ code, stderr }) => {
          throw new Error(`child exited (${code}) before '${name}': ${stderr}`);
        }),
      ]);
    },
  };
}

/** A child's private and proportional memory, in bytes (Private_Clean + Private_Dirty = USS). */
export function smapsRollup(pid: number) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return {
    rss: field('Rss'),
    pss: field('Pss'),
    uss: field('Private_Clean') + field('Private_Dirty'),
    pssAnon: field('Pss_Anon'),
    pssFile: field('Pss_File'),
    /** Private anonymous memory: the heap, native allocations (KV cache, buffers, vocabulary). */
    anonymous: field('Anonymous'),
  };
}

/**
 * CPU milliseconds this process has used, user and system, with those of its children that have
 * exited (node-llama-cpp's test of its binary): on a shared machine a fairer measure of work than
 * wall time, which includes waiting for the CPU.
 */
export function cpuMs() {
  // /proc/self/stat: fields 14-17 are utime, stime, cutime, cstime in clock ticks (100 a second);
  // the command name (field 2) may hold spaces, so count from the closing parenthesis.
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = [11, 12, 13, 14].reduce((total, index) => total + Number(fields[index] ?? 0), 0);
  return ticks * 10;
}

/** Writes one JSON line for the parent: `{ event, ...fields }`. */
export function report(event: string, fields: Record<string, unknown> = {}) {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

/** The median of paired ratios a[i] / b[i]. */
export function medianRatio(a: readonly number[], b: readonly number[]) {
  const ratios = a.map((value, index) => value / (b[index] ?? Number.NaN)).sort((x, y) => x - y);
  const middle = Math.floor(ratios.length / 2);
  return ratios.length % 2
    ? (ratios[middle] as number)
    : ((ratios[middle - 1] as number) + (ratios[middle] as number)) / 2;
}
