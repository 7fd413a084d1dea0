import { describe, expect, it } from 'vitest';
import { streamDecision } from './decide.js';

describe('streamDecision', () => {
  it('enforces only in block mode, with the configured fail mode and strategy', () => {
    const lines: string[] = [];
    for (const mode of ['block', 'annotate', 'shadow'] as const)
      for (const failMode of ['closed', 'open'] as const)
        for (const strategy of ['buffer', 'progressive'] as const) {
          const decided = streamDecision({ mode, failMode, strategy });
          lines.push(
            `${mode} ${failMode} ${strategy} -> ${decided.enforce ? 'enforce' : 'observe'} ${decided.failMode} ${decided.strategy}`,
          );
        }
    expect(lines).toMatchInlineSnapshot(`
      [
        "block closed buffer -> enforce closed buffer",
        "block closed progressive -> enforce closed progressive",
        "block open buffer -> enforce open buffer",
        "block open progressive -> enforce open progressive",
        "annotate closed buffer -> observe open progressive",
        "annotate closed progressive -> observe open progressive",
        "annotate open buffer -> observe open progressive",
        "annotate open progressive -> observe open progressive",
        "shadow closed buffer -> observe open progressive",
        "shadow closed progressive -> observe open progressive",
        "shadow open buffer -> observe open progressive",
        "shadow open progressive -> observe open progressive",
      ]
    `);
  });
});
