import { readFileSync } from 'node:fs';

/** Resident memory of this process, in bytes. */
export interface ProcessMemory {
  /** Resident set size. */
  rss: number;
  /** Anonymous resident memory (heap, llama.cpp buffers); Linux only. */
  anon?: number | undefined;
  /** File-backed resident memory (memory-mapped files, code); Linux only. */
  file?: number | undefined;
  /** The process's peak resident set size so far. */
  peakRss?: number | undefined;
}

const fields = { rss: 'VmRSS', anon: 'RssAnon', file: 'RssFile', peakRss: 'VmHWM' } as const;

/**
 * Reads `/proc/self/status` on Linux (anonymous and file-backed memory apart, and the peak);
 * elsewhere, Node's `process.memoryUsage().rss`.
 */
export function processMemory(): ProcessMemory {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return { rss: process.memoryUsage().rss, peakRss: process.resourceUsage().maxRSS * 1024 };
  }
  const read = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  };
  return {
    rss: read(fields.rss) ?? process.memoryUsage().rss,
    anon: read(fields.anon),
    file: read(fields.file),
    peakRss: read(fields.peakRss),
  };
}
