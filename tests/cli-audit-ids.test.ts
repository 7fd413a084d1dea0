// Issue 23, point 6: a record the guard cannot judge keeps its id in the report and the reason
// names the real problem, with one message as with two (it used to be "empty conversation" with
// id null for one message). The built CLI with the scripted engine.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCliOnce, runVigil } from './support/vigil-cli.js';

let dir = '';
beforeAll(async () => {
  await buildCliOnce();
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-ids-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('vigil audit on records it cannot judge', () => {
  it('keeps every id and names the problem', async () => {
    const image = { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } };
    const records = [
      { id: 'robot-1', messages: [{ role: 'robot', content: 'hello' }] },
      {
        id: 'robot-2',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'robot', content: 'hello' },
        ],
      },
      { id: 'image-1', messages: [{ role: 'user', content: [image] }] },
      { id: 'empty-1', messages: [{ role: 'system', content: 'be nice' }] },
      { id: 'fine-1', messages: [{ role: 'user', content: 'hello' }] },
    ];
    const file = path.join(dir, 'records.jsonl');
    await writeFile(file, `${records.map((record) => JSON.stringify(record)).join('\n')}\n`);
    const run = await runVigil(['audit', file, '--format', 'json', '--no-progress'], { scripted: {} });
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as {
      errors: { id: string | null; line: number; reason: string }[];
    };
    expect(report.errors.map((error) => [error.line, error.id])).toEqual([
      [1, 'robot-1'],
      [2, 'robot-2'],
      [3, 'image-1'],
      [4, 'empty-1'],
    ]);
    const [one, two, images, empty] = report.errors.map((error) => error.reason);
    expect(one).toMatch(/^messages\[0\] \(role 'robot'\): unknown role/);
    expect(two).toMatch(/^messages\[1\] \(role 'robot'\): unknown role/);
    expect(images).toMatch(/^no text to judge: messages\[0\] \(role 'user'\) holds only images/);
    expect(empty).toMatch(/^empty conversation: expected at least one user or assistant turn with text/);
  });
});
