import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandPaths, globToRegExp } from './expand-paths.js';

const root = path.resolve(import.meta.dirname, '../../../..');
const relative = (sources: { file: string }[]) => sources.map((source) => source.file);

describe('globToRegExp', () => {
  it('matches *, **, ?, classes and alternatives', () => {
    expect(globToRegExp('*.jsonl').test('a.jsonl')).toBe(true);
    expect(globToRegExp('*.jsonl').test('d/a.jsonl')).toBe(false);
    expect(globToRegExp('**/*.jsonl').test('a.jsonl')).toBe(true);
    expect(globToRegExp('**/*.jsonl').test('d/e/a.jsonl')).toBe(true);
    expect(globToRegExp('log-?.{json,txt}').test('log-1.txt')).toBe(true);
    expect(globToRegExp('log-[!0-9].txt').test('log-1.txt')).toBe(false);
  });
});

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

  it('names a path that does not exist or matches nothing', async () => {
    await expect(expandPaths(['nope.jsonl'])).rejects.toThrow(
      "cannot read 'nope.jsonl': no such file or directory",
    );
    await expect(expandPaths([`${root}/examples/*.parquet`])).rejects.toThrow('no files match this pattern');
  });
});
