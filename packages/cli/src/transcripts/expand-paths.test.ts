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
});
