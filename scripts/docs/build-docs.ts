// `npm run docs` (after `tsc -b`): writes the generated reference pages into docs/reference
// (git-ignored) and builds the site with VitePress into docs/.vitepress/dist (git-ignored).
// VitePress fails the build on a dead internal link.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'vitepress';
import { REPO_ROOT } from '../fixtures/fixture-facts.js';
import { writeApiReference } from './api-reference.js';
import { readOptionTypes } from './option-types.js';
import { optionsPage } from './options-page.js';

export const DOCS_DIR = path.join(REPO_ROOT, 'docs');
export const SITE_DIR = path.join(DOCS_DIR, '.vitepress/dist');
const referenceDir = path.join(DOCS_DIR, 'reference');

const options = readOptionTypes();
if (options.diagnostics.length > 0) {
  throw new Error(
    `reading the option types from the built .d.ts failed (run npx tsc -b):\n${options.diagnostics.join('\n')}`,
  );
}
mkdirSync(referenceDir, { recursive: true });
writeFileSync(path.join(referenceDir, 'options.md'), optionsPage(options.types));
await writeApiReference(path.join(referenceDir, 'api'));
await build(DOCS_DIR);
console.log(`vigil docs: ${path.relative(REPO_ROOT, SITE_DIR)}`);
