import { type ProcessMemory, processMemory } from '#platform/process-memory';
import type { EngineMemory, GuardEngine } from '../types.js';

/** What a guard holds in memory, in bytes (see `guard.memory()`). */
export interface GuardMemory extends Partial<EngineMemory> {
  /** The whole process's resident memory (every guard, generator and the rest of the app). */
  process: ProcessMemory;
}

/** The engine's own figures (local engines) and the process's resident memory. */
export function guardMemory(engine: GuardEngine): GuardMemory {
  return { ...engine.memory?.(), process: processMemory() };
}
