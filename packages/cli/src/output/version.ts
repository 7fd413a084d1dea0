import { readFileSync } from 'node:fs';

/** The `@vigil/cli` version (from its package.json, two levels above src/cli or dist/cli). */
export function readVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
