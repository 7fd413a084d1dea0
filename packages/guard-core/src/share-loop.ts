/** Main-thread work runs about this long before it gives the event loop a turn. */
export const loopSliceMs = 4;

/** The next turn of the event loop: `setImmediate` in Node, a zero timeout where it is missing (browsers). */
const nextTurn: (callback: () => void) => void =
  typeof globalThis.setImmediate === 'function'
    ? (callback) => setImmediate(callback)
    : (callback) => setTimeout(callback, 0);

const waiting: (() => void)[] = [];
/** When the work of this turn of the loop began (the first check in it, or the resumed waiter). */
let sliceStart: number | undefined;
let pumping = false;

function startSlice(time: number) {
  sliceStart = time;
  nextTurn(() => {
    sliceStart = undefined;
  });
}

/** Resumes one waiter per turn of the loop, oldest first, until none is left. */
function pump() {
  const next = waiting.shift();
  startSlice(performance.now());
  next?.();
  if (waiting.length > 0) nextTurn(pump);
  else pumping = false;
}

/**
 * Gives the event loop a turn once main-thread work (tokenizing, rendering, hashing a large
 * conversation) has run for {@link loopSliceMs} in this turn of the loop; resolves at once
 * (returns `undefined`) before that, so small inputs never wait. Every caller that yields waits
 * in one queue, resumed one per turn of the loop: eight requests tokenizing at once block the
 * loop for one slice at a time, not eight (plain `setImmediate` would resume all eight in the
 * same turn). Await only the promise (`const turn = shareLoop(); if (turn) await turn;`): awaiting
 * `undefined` would let other callers' work run first, after this check said there was time.
 * @example
 * for (const piece of pieces) {
 *   const turn = shareLoop();
 *   if (turn) await turn;
 *   tokens.push(...tokenize(piece));
 * }
 */
export function shareLoop(): Promise<void> | undefined {
  const time = performance.now();
  if (sliceStart === undefined) startSlice(time);
  if (time - (sliceStart as number) < loopSliceMs) return undefined;
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (pumping) return;
    pumping = true;
    nextTurn(pump);
  });
}
