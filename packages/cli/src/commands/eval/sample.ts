/** A small seeded generator (mulberry32): the same seed gives the same sample on every machine. */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `size` items chosen uniformly at random (reservoir sampling, seeded), kept in their original
 * order. Fewer items than `size`: all of them.
 */
export function sample<T>(items: readonly T[], size: number, seed: number): T[] {
  const random = seededRandom(seed);
  const chosen: number[] = [];
  items.forEach((_, index) => {
    if (chosen.length < size) chosen.push(index);
    else {
      const slot = Math.floor(random() * (index + 1));
      if (slot < size) chosen[slot] = index;
    }
  });
  return chosen.sort((a, b) => a - b).map((index) => items[index] as T);
}
