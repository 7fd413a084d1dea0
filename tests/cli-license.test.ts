// Issue 23, point 9: the repository has a LICENSE and every package tarball carries it (copied in
// at prepack, removed at postpack); package.json's "license" says the same.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../scripts/fixtures/fixture-facts.js';

const packages = ['guard-core', 'guard-middleware', 'generator', 'cli'];

describe('the licence', () => {
  it('is MIT, the Vigil authors, 2026, at the root', () => {
    const text = readFileSync(path.join(REPO_ROOT, 'LICENSE'), 'utf8');
    expect(text).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the Vigil authors\n/);
    expect(text).toContain('THE SOFTWARE IS PROVIDED "AS IS"');
  });

  it.each(packages)('is in the %s tarball, and left nowhere in the package directory', async (name) => {
    const directory = path.join(REPO_ROOT, 'packages', name);
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json'], { cwd: directory });
    const [packed] = JSON.parse(stdout) as { files: { path: string }[] }[];
    expect(packed?.files.map((file) => file.path)).toContain('LICENSE');
    expect(existsSync(path.join(directory, 'LICENSE'))).toBe(false);
    const manifest = JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8'));
    expect(manifest.license).toBe('MIT');
    expect(manifest.engines.node).toBe('>=22.12');
  });
});
