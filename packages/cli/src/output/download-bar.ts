import type { DownloadProgress } from '@vigil/guard-core';
import type { CliOutput } from '../context/cli-context.js';
import { formatBytes, formatDuration } from './progress.js';

/** Describes a download for people: bar, percent, bytes, speed, ETA. */
export function describeDownload(progress: DownloadProgress, barWidth: number) {
  const fraction = progress.totalBytes > 0 ? Math.min(progress.downloadedBytes / progress.totalBytes, 1) : 0;
  const filled = Math.round(fraction * barWidth);
  const bar = barWidth > 0 ? `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)} ` : '';
  const left =
    progress.bytesPerSecond > 0
      ? (progress.totalBytes - progress.downloadedBytes) / progress.bytesPerSecond
      : Number.POSITIVE_INFINITY;
  return `${bar}${progress.percent.toFixed(0).padStart(3)}% ${formatBytes(progress.downloadedBytes)}/${formatBytes(progress.totalBytes)} · ${formatBytes(progress.bytesPerSecond)}/s · ETA ${formatDuration(left)}`;
}

/**
 * A download progress bar on stderr: redrawn in place on a terminal, a line every 10 s otherwise.
 * @example
 * const bar = createDownloadBar(process.stderr);
 * await resolveModel(uri, { onDownloadProgress: bar.update });
 * bar.done();
 */
export function createDownloadBar(stream: CliOutput, intervalMs = 10_000) {
  const tty = stream.isTTY === true;
  let last = 0;
  let started = false;
  let final: DownloadProgress | undefined;
  return {
    update(progress: DownloadProgress) {
      final = progress;
      if (!started) {
        started = true;
        stream.write(`Downloading ${progress.model}\n`);
      }
      const now = Date.now();
      if (now - last < (tty ? 100 : intervalMs)) return;
      last = now;
      const text = describeDownload(progress, tty ? 30 : 0);
      stream.write(tty ? `\r\x1b[K${text}` : `${text}\n`);
    },
    done() {
      if (!final) return;
      if (tty) stream.write('\r\x1b[K');
      stream.write(`${describeDownload(final, 0)}\n`);
      final = undefined;
    },
  };
}
