import type { FlagDefinition } from './flag-table.js';

/** `-h, --help`, listed in the given section of a command's help. */
export function helpFlag(section: string) {
  return { type: 'boolean', short: 'h', section, help: 'show this help' } as const satisfies FlagDefinition;
}
