import { describe, expect, it } from 'vitest';
import { createGuard } from '../guard.js';
import { createScriptedEngine } from '../testing/scripted-engine.js';
import { type ModeratedPiece, moderateStream } from './moderate-stream.js';

async function* slowly(pieces: string[], delayMs = 0, state = { returned: false }) {
  try {
    for (const piece of pieces) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      yield piece;
    }
  } finally {
    state.returned = true;
  }
}

async function collect(stream: AsyncIterable<ModeratedPiece>) {
  const texts: string[] = [];
  let end: ModeratedPiece | undefined;
  for await (const piece of stream) {
    if (piece.type === 'text') texts.push(piece.text);
    else end = piece;
  }
  return { texts, summary: end?.type === 'end' ? end.summary : undefined };
}

describe('moderateStream', () => {
  it('yields released text then a summary', async () => {
    const guard = await createGuard({ engine: createScriptedEngine() });
    const { texts, summary } = await collect(moderateStream(slowly(['Hi ', 'there. ', 'Bye']), { guard }));
    expect(texts).toEqual(['Hi there. ', 'Bye']);
    expect(summary?.blocked).toBe(false);
  });

  it('stops reading the source when a progressive check cuts', async () => {
    const guard = await createGuard({ engine: createScriptedEngine({ delayMs: 5 }) });
    const state = { returned: false };
    const source = slowly(['I will kill. ', ...Array.from({ length: 50 }, () => 'filler text. ')], 20, state);
    const { texts, summary } = await collect(moderateStream(source, { guard, strategy: 'progressive' }));
    expect(texts[0]).toBe('I will kill. ');
    expect(texts.length).toBeLessThan(5);
    expect(summary?.blocked).toBe(true);
    expect(summary?.verdict?.categories[0]?.code).toBe('S1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(state.returned).toBe(true);
  });
});
