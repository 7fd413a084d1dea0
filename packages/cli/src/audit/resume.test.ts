import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadResume, resultKey } from './resume.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-resume-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const line = (lineNumber: number, safe: boolean) =>
  JSON.stringify({
    file: 'a.jsonl',
    line: lineNumber,
    id: null,
    turn: 0,
    role: 'user',
    safe,
    categories: safe ? [] : ['S9'],
  });

describe('loadResume', () => {
  it('counts what an earlier report holds and drops a line cut off mid-write', async () => {
    const file = path.join(dir, 'cut.jsonl');
    await writeFile(file, `${line(1, true)}\n${line(2, false)}\n{"file": "a.js`);
    const state = await loadResume(file);
    expect([...state.done]).toEqual([resultKey('a.jsonl', 1, 0), resultKey('a.jsonl', 2, 0)]);
    expect(state.summary).toMatchObject({ turnsChecked: 2, flagged: 1, byCategory: { S9: 1 } });
    expect(await readFile(file, 'utf8')).toBe(`${line(1, true)}\n${line(2, false)}\n`);
  });

  it('starts afresh without a file, and names a line that is not a result', async () => {
    expect((await loadResume(path.join(dir, 'none.jsonl'))).done.size).toBe(0);
    const file = path.join(dir, 'bad.jsonl');
    await writeFile(file, `${line(1, true)}\n{"summary": {}}\n`);
    await expect(loadResume(file)).rejects.toThrow(
      `${file}:2: --resume expected a result line of an earlier --format jsonl report`,
    );
  });
});
