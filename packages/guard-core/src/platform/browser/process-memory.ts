import type { ProcessMemory } from '../../engine/local/process-memory.js';

export type { ProcessMemory };

/** A browser or edge runtime does not say how much memory the page holds: 0. */
export function processMemory(): ProcessMemory {
  return { rss: 0 };
}
