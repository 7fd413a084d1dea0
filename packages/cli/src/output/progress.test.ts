import { describe, expect, it } from 'vitest';
import { createProgressDisplay, describeProgress, formatBytes, formatDuration } from './progress.js';

const progress = (bytesDone: number, bytesTotal: number | undefined) => ({
  conversations: 500,
  flagged: 3,
  bytesDone,
  bytesTotal,
});

describe('progress', () => {
  it('describes done/total, rate, flagged and ETA', () => {
    expect(describeProgress(progress(250_000, 1_000_000), 10_000, 10)).toBe(
      '███░░░░░░░  25% 250 kB/1.0 MB · 500 conversations · 50.0/s · 3 flagged · ETA 0:30',
    );
    expect(describeProgress(progress(2_500_000, undefined), 10_000, 10)).toBe(
      '500 conversations · 50.0/s · 3 flagged · 2.5 MB read',
    );
    expect(formatBytes(1_234_567_890)).toBe('1.2 GB');
    expect(formatDuration(3725)).toBe('1:02:05');
  });

  it('redraws in place on a terminal and writes plain periodic lines otherwise', () => {
    let time = 0;
    let tty = '';
    const display = createProgressDisplay({
      stream: { write: (c: string) => (tty += c), isTTY: true, columns: 100 },
      now: () => time,
    });
    time = 1000;
    display.update(progress(1, 2));
    display.log('a.jsonl:3: malformed JSON');
    display.done();
    const clear = '\r\x1b[K';
    expect(tty.split(clear)).toEqual([
      '',
      expect.stringContaining('50%'),
      `a.jsonl:3: malformed JSON\n${tty.split(clear)[1]}`,
      '',
    ]);

    let plain = '';
    const lines = createProgressDisplay({
      stream: { write: (c: string) => (plain += c) },
      intervalMs: 5000,
      now: () => time,
    });
    time = 3000;
    lines.update(progress(1, 2));
    expect(plain).toBe('');
    time = 7000;
    lines.update(progress(1, 2));
    expect(plain).toMatch(/^vigil: 50% .* ETA 0:06\n$/);
  });
});
