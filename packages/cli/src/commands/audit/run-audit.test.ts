import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createGuard, type Message, type Verdict } from '@vigil/guard-core';
import { createScriptedEngine } from '@vigil/guard-core/testing';
import { describe, expect, it } from 'vitest';
import { expandPaths } from '../../transcripts/expand-paths.js';
import type { AuditProblem, AuditResult } from './audit-types.js';
import { resultKey } from './resume.js';
import { runAudit } from './run-audit.js';

const examples = path.resolve(import.meta.dirname, '../../../../../examples/transcripts');

async function audit(options: Partial<Parameters<typeof runAudit>[0]> = {}, engineDelayMs = 0) {
  const engine = createScriptedEngine({ delayMs: engineDelayMs });
  const guard = await createGuard({ engine });
  const results: AuditResult[] = [];
  const problems: AuditProblem[] = [];
  const outcome = await runAudit({
    guard,
    sources: await expandPaths([examples]),
    onResult: (result) => results.push(result),
    onProblem: (problem) => problems.push(problem),
    ...options,
  });
  return { ...outcome, results, problems, engine };
}

describe('runAudit', () => {
  it('checks the last turn of every conversation in every example format', async () => {
    const { summary, results, problems } = await audit();
    expect(summary).toEqual({
      files: 6,
      conversations: 21,
      turnsChecked: 21,
      flagged: 8,
      byCategory: { S9: 4, S1: 2, S10: 2 },
      errors: 4,
      interrupted: false,
    });
    expect(problems.map((problem) => `${path.basename(problem.file)}:${problem.line}`)).toEqual([
      'malformed.jsonl:2',
      'malformed.jsonl:3',
      'malformed.jsonl:4',
      'malformed.jsonl:5',
    ]);
    const flagged = results.find((result) => result.id === 'c2');
    expect(flagged).toMatchObject({ line: 2, turn: 2, role: 'user', safe: false, categories: ['S9'] });
    expect(flagged?.unsafeProbability).toBeCloseTo(0.97);
  });

  it('checks every turn, or the turns of one role', async () => {
    const every = await audit({ everyTurn: true });
    expect(every.summary).toMatchObject({ turnsChecked: 35, flagged: 8 });
    const assistant = await audit({ everyTurn: true, role: 'assistant' });
    expect(assistant.summary).toMatchObject({ turnsChecked: 11, flagged: 2, byCategory: { S9: 2 } });
  });

  it('skips turns an earlier run checked', async () => {
    const first = await audit();
    const done = new Set(first.results.slice(0, 10).map((r) => resultKey(r.file, r.line, r.turn)));
    const second = await audit({ done });
    expect(second.results).toHaveLength(11);
    expect(second.engine.calls).toHaveLength(11);
  });

  it('stops cleanly when aborted, marking the summary interrupted', async () => {
    const controller = new AbortController();
    const outcome = await audit(
      { signal: controller.signal, concurrency: 2, onResult: () => controller.abort() },
      5,
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.summary.interrupted).toBe(true);
    expect(outcome.summary.turnsChecked).toBeLessThan(21);
  });

  it('stops at an engine failure and returns it with the partial summary', async () => {
    const guard = await createGuard({ engine: createScriptedEngine({ fail: true }) });
    const outcome = await runAudit({ guard, sources: await expandPaths([examples]) });
    expect(String(outcome.error)).toContain('scripted engine: failing as asked');
    expect(outcome.summary.interrupted).toBe(true);
  });

  it('reports in input order however checks finish, and counts exactly what it reported', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vigil-order-'));
    try {
      const file = path.join(dir, 'a.jsonl');
      const texts = Array.from({ length: 30 }, (_, index) =>
        index % 4 === 0 ? `slow ${index}` : `fast ${index}`,
      );
      await writeFile(
        file,
        `${texts.map((text) => JSON.stringify({ messages: [{ role: 'user', content: text }] })).join('\n')}\nnot json\n`,
      );
      const finished: number[] = [];
      const guard = {
        classify: async (messages: string | readonly Message[]) => {
          const text = String((messages as Message[]).at(-1)?.content);
          await new Promise((resolve) => setTimeout(resolve, text.startsWith('slow') ? 20 : 1));
          finished.push(Number(text.split(' ')[1]));
          return {
            safe: true,
            categories: [],
            ignoredCategories: [],
            unsafeProbability: 0.1,
          } as unknown as Verdict;
        },
      };
      const order: string[] = [];
      const outcome = await runAudit({
        guard,
        sources: await expandPaths([file]),
        concurrency: 4,
        onResult: (result) => order.push(`r${result.line}`),
        onProblem: (problem) => order.push(`e${problem.line}`),
      });
      expect(finished).not.toEqual([...finished].sort((a, b) => a - b));
      expect(order).toEqual([...texts.map((_, index) => `r${index + 1}`), 'e31']);
      expect(outcome.summary).toMatchObject({ conversations: 30, turnsChecked: 30, errors: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
