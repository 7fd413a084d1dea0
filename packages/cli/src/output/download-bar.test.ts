import { describe, expect, it } from 'vitest';
import { createDownloadBar, describeDownload } from './download-bar.js';

const progress = {
  model: 'hf:owner/repo/model.gguf',
  downloadedBytes: 400_000_000,
  totalBytes: 1_000_000_000,
  percent: 40,
  bytesPerSecond: 20_000_000,
};

describe('download bar', () => {
  it('shows bytes, percent, speed and ETA', () => {
    expect(describeDownload(progress, 10)).toBe('████░░░░░░  40% 400 MB/1.0 GB · 20.0 MB/s · ETA 0:30');
  });

  it('announces the download, redraws on a terminal and ends with a plain line', () => {
    let text = '';
    const bar = createDownloadBar({ write: (chunk: string) => (text += chunk), isTTY: true });
    bar.update(progress);
    bar.update({ ...progress, downloadedBytes: progress.totalBytes, percent: 100 });
    bar.done();
    expect(text.split('\r\x1b[K')).toEqual([
      'Downloading hf:owner/repo/model.gguf\n',
      expect.stringContaining(' 40% 400 MB/1.0 GB'),
      '100% 1.0 GB/1.0 GB · 20.0 MB/s · ETA 0:00\n',
    ]);
  });
});
