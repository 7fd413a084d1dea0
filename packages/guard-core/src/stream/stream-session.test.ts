import { describe, expect, it } from 'vitest';
import { createGuard } from '../guard.js';
import { createScriptedEngine } from '../testing/scripted-engine.js';
import { createStreamSession } from './stream-session.js';

/** A source that waits `delayMs` before each piece and records whether it was returned. */
function source(pieces: string[], delayMs: number) {
  const state = { returned: false, read: 0 };
  async function* generate() {
    try {
      for (const piece of pieces) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        state.read++;
        yield piece;
      }
    } finally {
      state.returned = true;
    }
  }
  return { pieces: generate(), state };
}

async function drain<T>(outputs: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const output of outputs) out.push(output);
  return out;
}

describe('createStreamSession', () => {
  it('enforcing: a progressive cut stops reading at once and returns the source', async () => {
    const guard = await createGuard({ engine: createScriptedEngine({ delayMs: 5 }) });
    const session = createStreamSession({ guard, mode: 'block', strategy: 'progressive' });
    const moderator = session.open();
    const { pieces, state } = source(['I will kill. ', ...Array.from({ length: 50 }, () => 'filler. ')], 20);
    const out = await drain(
      session.drive(pieces, { piece: async (piece) => (await moderator.push(piece)).release }),
    );
    expect(out[0]).toBe('I will kill. ');
    expect(state.read).toBeLessThan(10);
    expect(session.cut && 'step' in session.cut ? session.cut.step.verdict?.safe : undefined).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(state.returned).toBe(true);
    expect(session.guardMs).toBeGreaterThan(0);
  });

  it('not enforcing: everything is read, checks fail open and nothing cuts', async () => {
    const guard = await createGuard({ engine: createScriptedEngine() });
    const session = createStreamSession({ guard, mode: 'shadow', strategy: 'buffer', failMode: 'closed' });
    expect([session.enforce, session.failMode, session.strategy]).toEqual([false, 'open', 'progressive']);
    const moderator = session.open();
    const { pieces, state } = source(['I will kill. ', 'More. '], 0);
    session.cutUnreadable('ignored when not enforcing');
    const out = await drain(
      session.drive(pieces, { piece: async (piece) => (await moderator.push(piece)).release }),
    );
    expect(state.read).toBe(2);
    expect(out[0]).toBe('I will kill. ');
    const summary = await session.end(moderator);
    expect(summary.verdict?.safe).toBe(false);
    expect(session.cut).toBeUndefined();
    expect(session.summaries).toEqual([summary]);
  });

  it('a caller cut (an unreadable piece) stops the loop and the end is not fed', async () => {
    const guard = await createGuard({ engine: createScriptedEngine() });
    const session = createStreamSession({ guard });
    const { pieces, state } = source(['a', '?', 'b', 'c'], 0);
    let ended = false;
    const out = await drain(
      session.drive(pieces, {
        piece: async (piece) => {
          if (piece === '?') session.cutUnreadable('a piece no reader knows');
          return piece;
        },
        end: async () => {
          ended = true;
          return undefined;
        },
      }),
    );
    expect(out).toEqual(['a', '?']);
    expect(session.cut).toEqual({ unreadable: 'a piece no reader knows' });
    expect(ended).toBe(false);
    expect(state.returned).toBe(true);
  });
});
