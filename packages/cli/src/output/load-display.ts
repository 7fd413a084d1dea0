import type { CliOutput } from '../context/cli-context.js';

/** Seconds with one decimal: `3.2 s`. */
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export interface LoadDisplay {
  /** Ends the display with `loaded in N s` (or nothing, when the load failed or was stopped). */
  done(loaded: boolean): void;
}

/**
 * Says on stderr, at once, that something is loading (`vigil: loading model x (955 MB)`), then
 * keeps the elapsed time visible until `done()`: redrawn in place on a terminal, a line every
 * `intervalMs` (a second) otherwise, so no load is silent for more than about a second.
 * @example
 * const display = createLoadDisplay(process.stderr, 'model guard.gguf (955 MB)');
 * try { guard = await createGuard(); display.done(true); } finally { display.done(false); }
 */
export function createLoadDisplay(
  stream: CliOutput,
  what: string,
  { intervalMs = 1000, now = () => performance.now() }: { intervalMs?: number; now?: () => number } = {},
): LoadDisplay {
  const tty = stream.isTTY === true;
  const started = now();
  stream.write(tty ? `vigil: loading ${what}...` : `vigil: loading ${what}...\n`);
  const timer = setInterval(
    () => {
      const elapsed = seconds(now() - started);
      stream.write(
        tty ? `\r\x1b[Kvigil: loading ${what}... ${elapsed}` : `vigil: loading ${what}... ${elapsed}\n`,
      );
    },
    tty ? 200 : intervalMs,
  );
  timer.unref();
  let ended = false;
  return {
    done(loaded) {
      if (ended) return;
      ended = true;
      clearInterval(timer);
      if (tty) stream.write('\r\x1b[K');
      if (loaded) stream.write(`vigil: loaded ${what} in ${seconds(now() - started)}\n`);
    },
  };
}
