import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandPaths } from './expand-paths.js';

const root = path.resolve(import.meta.dirname, '../../../..');
const relative = (sources: { file: string }[]) => sources.map((source) => source.file);

describe('expandPaths', () => {
  const cwd = process.cwd();
  it('expands files, directories and globs, once each, with sizes', async () => {
    process.chdir(root);
    try {
      const sources = await expandPaths([
        'examples/transcripts/chat.jsonl',
        'examples/transcripts/*.json',
        '-',
      ]);
      expect(relative(sources)).toEqual([
        'examples/transcripts/chat.jsonl',
        'examples/transcripts/chats.json',
        'examples/transcripts/sharegpt.json',
        '-',
      ]);
      expect(sources[0]?.bytes).toBeGreaterThan(100);
      expect(relative(await expandPaths(['examples/transcripts']))).toHaveLength(6);
    } finally {
      process.chdir(cwd);
    }
  });

  it('reads a file named several ways once, in the order given, and matches globs', async () => {
    process.chdir(root);
    try {
      const sources = await expandPaths([
        'examples/transcripts/prompts.txt',
        'examples/transcripts/chat.jsonl',
        './examples/transcripts/chat.jsonl',
        'examples/../examples/transcripts/chat.jsonl',
        'examples/transcripts/{bare,chat}.jsonl',
        'examples/**/c?at*.js[o]n',
      ]);
      expect(relative(sources)).toEqual([
        'examples/transcripts/prompts.txt',
        'examples/transcripts/chat.jsonl',
        'examples/transcripts/bare.jsonl',
        'examples/transcripts/chats.json',
      ]);
      expect(sources[1]?.realPath).toBe(path.join(root, 'examples/transcripts/chat.jsonl'));
    } finally {
      process.chdir(cwd);
    }
  });

  it('names a path that does not exist or matches nothing', async () => {
    await expect(expandPaths(['nope.jsonl'])).rejects.toThrow(
      "cannot read 'nope.jsonl': no such file or directory",
    );
    await expect(expandPaths([`${root}/examples/*.parquet`])).rejects.toThrow('no files match this pattern');
  });

  it('reads a hard link once, and does not follow links met in a walk or a glob unless asked', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vigil-expand-'));
    try {
      await mkdir(path.join(dir, 'walked/.hidden'), { recursive: true });
      await mkdir(path.join(dir, 'outside'));
      await writeFile(path.join(dir, 'walked/a.jsonl'), '{}\n');
      await writeFile(path.join(dir, 'walked/.hidden/h.jsonl'), '{}\n');
      await writeFile(path.join(dir, 'outside/o.jsonl'), '{}\n');
      await writeFile(path.join(dir, 'outside/notes.md'), 'x');
      await link(path.join(dir, 'walked/a.jsonl'), path.join(dir, 'walked/b.jsonl'));
      await symlink(path.join(dir, 'outside/o.jsonl'), path.join(dir, 'walked/l.jsonl'));
      await symlink(path.join(dir, 'outside/notes.md'), path.join(dir, 'walked/notes.md'));
      await symlink(path.join(dir, 'outside'), path.join(dir, 'walked/sub'));
      const skipped: string[] = [];
      const onSkippedLink = (found: { file: string }) => skipped.push(path.relative(dir, found.file));
      const sources = await expandPaths([path.join(dir, 'walked')], { onSkippedLink });
      expect(relative(sources).map((file) => path.relative(dir, file))).toEqual(['walked/a.jsonl']);
      // Links to what a walk would not read (notes.md) are not worth a report.
      expect(skipped).toEqual(['walked/l.jsonl', 'walked/sub']);
      const followed = await expandPaths([path.join(dir, 'walked')], { followSymlinks: true });
      expect(relative(followed).map((file) => path.relative(dir, file))).toEqual([
        'walked/a.jsonl',
        'walked/l.jsonl', // walked/sub/o.jsonl is the same file: read once
      ]);
      skipped.length = 0;
      await expandPaths([path.join(dir, 'walked/**/*.jsonl')], { onSkippedLink });
      expect(skipped).toEqual(['walked/l.jsonl', 'walked/sub']);
      // Named on the command line, a link is read.
      expect(relative(await expandPaths([path.join(dir, 'walked/l.jsonl')]))).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
