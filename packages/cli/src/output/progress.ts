/** How far a run is: conversations (or rows) checked, how many flagged, bytes read of the total. */
export interface ProgressState {
  conversations: number;
  flagged: number;
  bytesDone: number;
  /** Unknown for stdin. */
  bytesTotal?: number | undefined;
}

/** Where progress goes: stderr, usually. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

export interface ProgressOptions {
  stream: ProgressStream;
  /** Milliseconds between plain lines when the stream is not a terminal. Defaults to `10000`. */
  intervalMs?: number | undefined;
  /** Show progress at all (`log` always writes). Defaults to `true`. */
  enabled?: boolean | undefined;
  /** The clock (tests). Defaults to `Date.now`. */
  now?: (() => number) | undefined;
}

/** A progress display: `update` as often as you like, `log` a line above it, `done` at the end. */
export interface ProgressDisplay {
  update(progress: ProgressState): void;
  log(line: string): void;
  done(): void;
}

export function formatBytes(bytes: number) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function formatDuration(seconds: number) {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** The progress text: bar (on a terminal), done/total, rate, flagged, ETA. */
export function describeProgress(progress: ProgressState, elapsedMs: number, barWidth: number) {
  const { conversations, flagged, bytesDone, bytesTotal } = progress;
  const seconds = Math.max(elapsedMs / 1000, 0.001);
  const rate = conversations / seconds;
  const parts = [`${conversations.toLocaleString('en-US')} conversations`, `${rate.toFixed(1)}/s`];
  parts.push(`${flagged} flagged`);
  if (bytesTotal === undefined || bytesTotal === 0)
    return `${parts.join(' · ')} · ${formatBytes(bytesDone)} read`;
  const fraction = Math.min(bytesDone / bytesTotal, 1);
  const eta = fraction > 0 ? (seconds * (1 - fraction)) / fraction : Number.POSITIVE_INFINITY;
  const filled = Math.round(fraction * barWidth);
  const bar = barWidth > 0 ? `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)} ` : '';
  const percent = `${Math.floor(fraction * 100)}%`.padStart(bar ? 4 : 0);
  return `${bar}${percent} ${formatBytes(bytesDone)}/${formatBytes(bytesTotal)} · ${parts.join(' · ')} · ETA ${formatDuration(eta)}`;
}

/**
 * Shows the progress of an audit or an eval on a stream: a bar redrawn in place on a terminal (at most 10 times a
 * second), plain lines every `intervalMs` otherwise.
 * @example
 * const display = createProgressDisplay({ stream: process.stderr });
 * display.update({ conversations: 10, flagged: 1, bytesDone: 2048, bytesTotal: 4096 });
 */
export function createProgressDisplay(options: ProgressOptions): ProgressDisplay {
  const { stream } = options;
  const now = options.now ?? Date.now;
  const started = now();
  const tty = stream.isTTY === true;
  const interval = tty ? 100 : (options.intervalMs ?? 10_000);
  let last = tty ? 0 : started;
  let shown = '';
  const draw = (progress: ProgressState) => {
    const columns = stream.columns || 80;
    const elapsed = now() - started;
    const room = columns - describeProgress(progress, elapsed, 0).length - 8;
    const text = describeProgress(progress, elapsed, tty && room >= 5 ? Math.min(30, room) : 0);
    shown = tty ? text.slice(0, columns - 1) : text;
    stream.write(tty ? `\r\x1b[K${shown}` : `vigil: ${shown}\n`);
  };
  const enabled = options.enabled ?? true;
  return {
    update(progress) {
      if (!enabled) return;
      const time = now();
      if (time - last < interval) return;
      last = time;
      draw(progress);
    },
    log(line) {
      if (tty && shown) stream.write('\r\x1b[K');
      stream.write(`${line}\n`);
      if (tty && shown) stream.write(shown);
    },
    done() {
      if (tty && shown) stream.write('\r\x1b[K');
      shown = '';
    },
  };
}
