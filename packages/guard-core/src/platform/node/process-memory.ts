export { type ProcessMemory, processMemory } from '../../engine/local/process-memory.js';
