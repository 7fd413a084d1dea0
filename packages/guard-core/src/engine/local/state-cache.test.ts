import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { StateCache, type StateSequence } from './state-cache.js';

/** A sequence whose "state" is its token list, written as JSON (one byte per token in the budget). */
function fakeSequence(tokens: number[] = []): StateSequence & { tokens: number[] } {
  return {
    tokens,
    get contextTokens() {
      return this.tokens;
    },
    get nextTokenIndex() {
      return this.tokens.length;
    },
    async eraseContextTokenRanges([range]) {
      this.tokens.splice(range?.start ?? 0, (range?.end ?? 0) - (range?.start ?? 0));
    },
    async saveStateToFile(file) {
      writeFileSync(file, JSON.stringify(this.tokens));
      return { fileSize: this.tokens.length };
    },
    async loadStateFromFile(file) {
      this.tokens = JSON.parse(readFileSync(file, 'utf8'));
    },
  };
}

const base = mkdtempSync(path.join(os.tmpdir(), 'vigil-state-test-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const prefix = range(0, 100);
const conversation = (id: number, turns: number) =>
  prefix.concat(
    ...Array.from({ length: turns }, (_, turn) => range(id * 1000 + turn * 60, id * 1000 + turn * 60 + 60)),
  );
const tail = [7, 7, 7];

async function keep(cache: StateCache, sequence: ReturnType<typeof fakeSequence>, end: number) {
  if (!cache.worthSaving(sequence, end, prefix.length)) return false;
  cache.saveInBackground(sequence, end);
  await cache.settled(sequence);
  return true;
}

describe('StateCache', () => {
  it('saves a conversation cut before the tail and restores it for a prompt that extends it', async () => {
    const cache = new StateCache({ maxBytes: 10_000, bytesPerToken: 1, baseDirectory: base });
    const one = conversation(1, 1);
    const sequence = fakeSequence([...one, ...tail]);
    expect(await keep(cache, sequence, one.length)).toBe(true);
    expect(sequence.tokens).toEqual(one);
    expect(cache.bytes).toBe(one.length);
    // Already cached: not saved twice.
    expect(cache.worthSaving(fakeSequence([...one]), one.length, prefix.length)).toBe(false);

    const other = fakeSequence(conversation(2, 2));
    const two = conversation(1, 2);
    expect(await cache.restore(other, [...two, ...tail])).toBe(true);
    expect(other.tokens).toEqual(one);
    expect(cache.stats.restoredTokens).toBe(60);
    // A sequence holding it already needs no restore.
    expect(await cache.restore(other, [...two, ...tail])).toBe(false);
    await cache.dispose();
  });

  it('skips states barely longer than the policy prefix', async () => {
    const cache = new StateCache({ maxBytes: 10_000, bytesPerToken: 1, baseDirectory: base });
    const short = prefix.concat(range(5000, 5020));
    expect(cache.worthSaving(fakeSequence(short), short.length, prefix.length)).toBe(false);
    await cache.dispose();
  });

  it('drops earlier turns of a conversation when a later one is saved, and the oldest past the budget', async () => {
    const cache = new StateCache({ maxBytes: 500, bytesPerToken: 1, baseDirectory: base });
    await keep(cache, fakeSequence(conversation(1, 1)), 160);
    await keep(cache, fakeSequence(conversation(1, 2)), 220);
    expect(cache.entries).toBe(1);
    expect(cache.bytes).toBe(220);
    await keep(cache, fakeSequence(conversation(2, 2)), 220);
    expect(cache.bytes).toBe(440);
    await keep(cache, fakeSequence(conversation(3, 1)), 160);
    expect(cache.entries).toBe(2);
    // Conversation 1 was the least recently used: gone; 2 restores (on a sequence that holds the
    // policy prefix: into an empty one, any state would be restored for the prefix alone).
    expect(await cache.restore(fakeSequence([...prefix]), conversation(1, 3))).toBe(false);
    expect(await cache.restore(fakeSequence([...prefix]), conversation(2, 3))).toBe(true);
    // An evicted file is removed in the background: on Node 22 and 24 it may still be there here.
    await vi.waitFor(() => expect(readdirSync(cache.directory)).toHaveLength(2));
    await cache.dispose();
  });

  it('removes its files and directory on dispose, and survives a missing file', async () => {
    const cache = new StateCache({ maxBytes: 10_000, bytesPerToken: 1, baseDirectory: base });
    await keep(cache, fakeSequence(conversation(1, 2)), 220);
    for (const file of readdirSync(cache.directory)) rmSync(path.join(cache.directory, file));
    const sequence = fakeSequence();
    expect(await cache.restore(sequence, conversation(1, 3))).toBe(false);
    expect(cache.stats.restoreFailures).toBe(1);
    expect(cache.entries).toBe(0);
    await keep(cache, fakeSequence(conversation(2, 2)), 220);
    const directory = cache.directory;
    await cache.dispose();
    await cache.dispose();
    expect(existsSync(directory)).toBe(false);
    expect(cache.worthSaving(fakeSequence(conversation(3, 2)), 220, prefix.length)).toBe(false);
  });

  it('removes directories left by processes that no longer run', async () => {
    const orphan = path.join(base, 'vigil-state-999999999-abc');
    mkdtempSync(orphan);
    const before = readdirSync(base).filter((name) => name.startsWith('vigil-state-999999999-'));
    expect(before.length).toBeGreaterThan(0);
    const cache = new StateCache({ maxBytes: 10, bytesPerToken: 1, baseDirectory: base });
    expect(readdirSync(base).filter((name) => name.startsWith('vigil-state-999999999-'))).toEqual([]);
    await cache.dispose();
  });
});
