import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLoadDisplay } from './load-display.js';

afterEach(() => vi.useRealTimers());

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (chunk: string) => chunks.push(chunk) } };
}

describe('createLoadDisplay', () => {
  it('says at once what loads, a line with the time so far every interval in a log, and the total', () => {
    vi.useFakeTimers();
    let now = 0;
    const { chunks, stream } = sink(false);
    const display = createLoadDisplay(stream, 'model guard.gguf (955 MB)', { now: () => now });
    expect(chunks).toEqual(['vigil: loading model guard.gguf (955 MB)...\n']);
    now = 1000;
    vi.advanceTimersByTime(1000);
    now = 1400;
    display.done(true);
    display.done(false);
    vi.advanceTimersByTime(10_000);
    expect(chunks.slice(1)).toEqual([
      'vigil: loading model guard.gguf (955 MB)... 1.0 s\n',
      'vigil: loaded model guard.gguf (955 MB) in 1.4 s\n',
    ]);
  });

  it('redraws one line on a terminal and clears it when the load is stopped', () => {
    vi.useFakeTimers();
    let now = 0;
    const { chunks, stream } = sink(true);
    const display = createLoadDisplay(stream, 'engine', { now: () => now });
    now = 200;
    vi.advanceTimersByTime(200);
    display.done(false);
    expect(chunks).toEqual([
      'vigil: loading engine...',
      '\r\x1b[Kvigil: loading engine... 0.2 s',
      '\r\x1b[K',
    ]);
  });
});
