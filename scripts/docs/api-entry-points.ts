// The public entry points of every package, read from its package.json `exports` (the
// `@vigil/source` file of each subpath), as the API reference documents them. `/internal` is
// shared between the packages and outside semver: it is left out.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../fixtures/fixture-facts.js';

export interface ApiEntryPoint {
  /** What a user imports, e.g. `@vigil/guard-middleware/hono`. */
  specifier: string;
  /** The TypeScript source, relative to the repository root. */
  source: string;
}

type Exports = Record<string, { '@vigil/source'?: string }>;

/** Every package's public entries, in the order of the packages' directories and their exports. */
export function apiEntryPoints(): ApiEntryPoint[] {
  const packagesDir = path.join(REPO_ROOT, 'packages');
  return readdirSync(packagesDir)
    .sort()
    .flatMap((directory) => {
      const manifest = JSON.parse(
        readFileSync(path.join(packagesDir, directory, 'package.json'), 'utf8'),
      ) as {
        name: string;
        exports: Exports;
      };
      return Object.entries(manifest.exports)
        .filter(([subpath]) => subpath !== './internal')
        .map(([subpath, targets]) => {
          const source = targets['@vigil/source'];
          if (!source)
            throw new Error(
              `packages/${directory}/package.json: exports["${subpath}"] has no @vigil/source file`,
            );
          return {
            specifier: subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`,
            source: path.posix.join('packages', directory, source),
          };
        });
    });
}
