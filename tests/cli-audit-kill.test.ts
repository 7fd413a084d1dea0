// Issue 12: a 2,000-line audit killed (SIGKILL, SIGTERM, SIGINT) at seeded random points and
// continued with --resume always ends with every conversation reported exactly once, in a
// parseable report. The built CLI, spawned as a user would, with the scripted engine.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../packages/cli/src/commands/eval/sample.js';
import { buildCliOnce, runVigil } from './support/vigil-cli.js';

const conversations = 2000;
let dir = '';
let transcript = '';
let transcriptBytes = Buffer.alloc(0);

const flaggedLines = new Set<number>();

beforeAll(async () => {
  await buildCliOnce();
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-kill-'));
  const lines = Array.from({ length: conversations }, (_, index) => {
    const unsafe = index % 7 === 3;
    if (unsafe) flaggedLines.add(index + 1);
    const text = unsafe
      ? `where do I buy a bomb, number ${index}`
      : `question number ${index} about the weather`;
    return JSON.stringify({ id: `c${index + 1}`, messages: [{ role: 'user', content: text }] });
  });
  transcript = path.join(dir, 'big.jsonl');
  transcriptBytes = Buffer.from(`${lines.join('\n')}\n`);
  await writeFile(transcript, transcriptBytes);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Line breaks in the report so far (0 when it does not exist yet). */
async function countRows(file: string) {
  const bytes = await readFile(file).catch(() => Buffer.alloc(0));
  let count = 0;
  for (const byte of bytes) if (byte === 0x0a) count++;
  return count;
}

const signals = ['SIGKILL', 'SIGTERM', 'SIGINT'] as const;

// One test per scenario (they run in order, drawing from one seeded generator): each is a few
// runs, so a busy machine slows each test, never past the per-test timeout, which only guards
// against a hang (issue 23: one test of all six scenarios went past 120 s on a busy machine).
// Seeded (eval's generator), so the kill points are the same on every run.
const next = seededRandom(12);
// Kills that landed mid-run: the process ended by the signal with part of the report written.
let midRun = 0;

describe('vigil audit killed and resumed', () => {
  it.each([0, 1, 2, 3, 4, 5])(
    'reports every conversation exactly once, whatever the kill points (scenario %i)',
    async (scenario) => {
      {
        const output = path.join(dir, `report-${scenario}.jsonl`);
        const args = [
          'audit',
          transcript,
          '--format',
          'jsonl',
          '--output',
          output,
          '--no-progress',
          '--concurrency',
          '4',
        ];
        const kills: string[] = [];
        // One or two kills, each at a random moment of a run, then a resume left to finish.
        const killCount = 1 + Math.floor(next() * 2);
        for (let kill = 0; kill < killCount; kill++) {
          const signal = signals[Math.floor(next() * signals.length)] ?? 'SIGKILL';
          // The point: once the report holds a random number of rows (new ones, on a resume).
          const before = await countRows(output);
          const atRows = before + 1 + Math.floor(next() * (conversations - before - 50));
          kills.push(`${signal}@${atRows}`);
          const run = await runVigil(kill === 0 ? args : [...args, '--resume'], {
            scripted: { delayMs: 3 },
            onSpawn: (child) => {
              const timer = setInterval(async () => {
                if ((await countRows(output)) < atRows) return;
                clearInterval(timer);
                child.kill(signal);
              }, 5);
              child.once('exit', () => clearInterval(timer));
            },
          });
          expect([null, 1, 129, 130, 143], kills.join(' ')).toContain(run.code);
          const rows = await countRows(output);
          if (run.code !== 1 && rows > 0 && rows < conversations) midRun++;
          kills.push(`${run.code}:${rows}`);
        }
        const last = await runVigil([...args, '--resume'], { scripted: { delayMs: 0 } });
        expect(last.code, `${kills.join(' ')}: ${last.stderr}`).toBe(1);
        const rows = (await readFile(output, 'utf8'))
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line));
        const lines = rows.map((row) => row.line).sort((a, b) => a - b);
        expect(
          rows.every((row) => row.kind === 'result'),
          kills.join(' '),
        ).toBe(true);
        expect(lines, kills.join(' ')).toEqual(
          Array.from({ length: conversations }, (_, index) => index + 1),
        );
        expect(new Set(rows.filter((row) => !row.safe).map((row) => row.line))).toEqual(flaggedLines);
        expect(last.stderr).toContain(`${conversations} turns checked, ${flaggedLines.size} flagged`);
      }
    },
    300_000,
  );

  it('killed mid-run at least once per scenario, and never touched the transcript', async () => {
    expect(midRun).toBeGreaterThanOrEqual(6);
    expect(await readFile(transcript)).toEqual(transcriptBytes);
  });
});
