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
    kind: 'result',
    file: path.join(dir, 'a.jsonl'),
    line: lineNumber,
    id: null,
    turn: 0,
    role: 'user',
    safe,
    categories: safe ? [] : ['S9'],
  });
const error = (lineNumber: number) =>
  JSON.stringify({
    kind: 'error',
    file: path.join(dir, 'a.jsonl'),
    line: lineNumber,
    id: null,
    turn: null,
    reason: 'x',
  });

describe('loadResume', () => {
  it('counts what an earlier report holds, by real path, and drops a line cut off mid-write', async () => {
    const file = path.join(dir, 'cut.jsonl');
    await writeFile(file, `${line(1, true)}\n${line(2, false)}\n${error(3)}\n{"kind":"result","file":"a.js`);
    const state = await loadResume(file);
    const real = path.join(await import('node:fs/promises').then((fs) => fs.realpath(dir)), 'a.jsonl');
    expect([...state.done]).toEqual([resultKey(real, 1, 0), resultKey(real, 2, 0), resultKey(real, 3, -1)]);
    expect(state.summary).toMatchObject({ turnsChecked: 2, flagged: 1, byCategory: { S9: 1 }, errors: 1 });
    expect(state.reported).toBe(3);
    expect(await readFile(file, 'utf8')).toBe(`${line(1, true)}\n${line(2, false)}\n${error(3)}\n`);
  });

  it('adds the line break a whole last line lacks', async () => {
    const file = path.join(dir, 'whole.jsonl');
    await writeFile(file, `${line(1, true)}\r\n${line(2, true)}`);
    expect((await loadResume(file)).reported).toBe(2);
    expect(await readFile(file, 'utf8')).toBe(`${line(1, true)}\r\n${line(2, true)}\n`);
  });

  it('starts afresh without a file, and leaves a file that is not a report untouched', async () => {
    expect((await loadResume(path.join(dir, 'none.jsonl'))).done.size).toBe(0);
    for (const text of [
      `${line(1, true)}\n{"summary": {}}\n`,
      '{"messages": [{"role": "user", "content": "a one-line transcript"}]}',
      '{"messages": [{"role": "user", "content": "cut',
    ]) {
      const file = path.join(dir, 'bad.jsonl');
      await writeFile(file, text);
      await expect(loadResume(file)).rejects.toThrow(
        `--resume: expected '${file}' to be an earlier --format jsonl report`,
      );
      expect(await readFile(file, 'utf8')).toBe(text);
    }
  });
});
