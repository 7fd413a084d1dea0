import { describe, expect, it } from 'vitest';
import { type CheckOutcome, type DecideInput, decide } from './decide.js';

const outcomes: CheckOutcome[] = [
  'safe',
  'unsafe',
  'no-text',
  'unreadable',
  'unsupported',
  'too-large',
  'invalid-conversation',
  'failed',
  'aborted',
];

/** The whole table, one line per cell: `mode failMode side passUnknown outcome -> action status`. */
function table() {
  const lines: string[] = [];
  for (const mode of ['block', 'annotate'] as const)
    for (const failMode of ['closed', 'open'] as const)
      for (const side of ['request', 'response'] as const)
        for (const passUnknown of [false, true])
          for (const outcome of outcomes) {
            const input: DecideInput = { mode, failMode, side, passUnknown, outcome };
            const decided = decide(input);
            if (passUnknown && outcome !== 'unreadable' && outcome !== 'unsupported') {
              // passUnknown changes nothing else
              expect(decided).toEqual(decide({ ...input, passUnknown: false }));
              continue;
            }
            const refusal = decided.refusal ? ` ${decided.refusal.status} ${decided.refusal.body}` : '';
            lines.push(
              `${mode} ${failMode} ${side}${passUnknown ? ' pass' : ''} ${outcome} -> ${decided.action}${refusal}${decided.unchecked ? ' unchecked' : ''}`,
            );
          }
  return lines;
}

describe('decide', () => {
  it('maps every mode, fail mode, side and outcome', () => {
    expect(table()).toMatchInlineSnapshot(`
      [
        "block closed request safe -> allow",
        "block closed request unsafe -> block 400 blocked",
        "block closed request no-text -> skip",
        "block closed request unreadable -> fail-closed 400 unreadable",
        "block closed request unsupported -> fail-closed 415 unreadable",
        "block closed request too-large -> fail-closed 413 too-large",
        "block closed request invalid-conversation -> fail-closed 400 invalid-conversation",
        "block closed request failed -> fail-closed 503 unavailable",
        "block closed request aborted -> skip 499 client-closed",
        "block closed request pass unreadable -> skip unchecked",
        "block closed request pass unsupported -> skip unchecked",
        "block closed response safe -> allow",
        "block closed response unsafe -> block 400 blocked",
        "block closed response no-text -> skip",
        "block closed response unreadable -> fail-closed 502 unreadable",
        "block closed response unsupported -> fail-closed 502 unreadable",
        "block closed response too-large -> fail-closed 502 too-large",
        "block closed response invalid-conversation -> fail-closed 502 invalid-conversation",
        "block closed response failed -> fail-closed 503 unavailable",
        "block closed response aborted -> skip 499 client-closed",
        "block closed response pass unreadable -> skip unchecked",
        "block closed response pass unsupported -> skip unchecked",
        "block open request safe -> allow",
        "block open request unsafe -> block 400 blocked",
        "block open request no-text -> skip",
        "block open request unreadable -> fail-open unchecked",
        "block open request unsupported -> fail-open unchecked",
        "block open request too-large -> fail-open unchecked",
        "block open request invalid-conversation -> fail-open unchecked",
        "block open request failed -> fail-open unchecked",
        "block open request aborted -> skip 499 client-closed",
        "block open request pass unreadable -> skip unchecked",
        "block open request pass unsupported -> skip unchecked",
        "block open response safe -> allow",
        "block open response unsafe -> block 400 blocked",
        "block open response no-text -> skip",
        "block open response unreadable -> fail-open unchecked",
        "block open response unsupported -> fail-open unchecked",
        "block open response too-large -> fail-open unchecked",
        "block open response invalid-conversation -> fail-open unchecked",
        "block open response failed -> fail-open unchecked",
        "block open response aborted -> skip 499 client-closed",
        "block open response pass unreadable -> skip unchecked",
        "block open response pass unsupported -> skip unchecked",
        "annotate closed request safe -> allow",
        "annotate closed request unsafe -> flag",
        "annotate closed request no-text -> skip",
        "annotate closed request unreadable -> fail-open unchecked",
        "annotate closed request unsupported -> fail-open unchecked",
        "annotate closed request too-large -> fail-open unchecked",
        "annotate closed request invalid-conversation -> fail-open unchecked",
        "annotate closed request failed -> fail-open unchecked",
        "annotate closed request aborted -> skip 499 client-closed",
        "annotate closed request pass unreadable -> skip unchecked",
        "annotate closed request pass unsupported -> skip unchecked",
        "annotate closed response safe -> allow",
        "annotate closed response unsafe -> flag",
        "annotate closed response no-text -> skip",
        "annotate closed response unreadable -> fail-open unchecked",
        "annotate closed response unsupported -> fail-open unchecked",
        "annotate closed response too-large -> fail-open unchecked",
        "annotate closed response invalid-conversation -> fail-open unchecked",
        "annotate closed response failed -> fail-open unchecked",
        "annotate closed response aborted -> skip 499 client-closed",
        "annotate closed response pass unreadable -> skip unchecked",
        "annotate closed response pass unsupported -> skip unchecked",
        "annotate open request safe -> allow",
        "annotate open request unsafe -> flag",
        "annotate open request no-text -> skip",
        "annotate open request unreadable -> fail-open unchecked",
        "annotate open request unsupported -> fail-open unchecked",
        "annotate open request too-large -> fail-open unchecked",
        "annotate open request invalid-conversation -> fail-open unchecked",
        "annotate open request failed -> fail-open unchecked",
        "annotate open request aborted -> skip 499 client-closed",
        "annotate open request pass unreadable -> skip unchecked",
        "annotate open request pass unsupported -> skip unchecked",
        "annotate open response safe -> allow",
        "annotate open response unsafe -> flag",
        "annotate open response no-text -> skip",
        "annotate open response unreadable -> fail-open unchecked",
        "annotate open response unsupported -> fail-open unchecked",
        "annotate open response too-large -> fail-open unchecked",
        "annotate open response invalid-conversation -> fail-open unchecked",
        "annotate open response failed -> fail-open unchecked",
        "annotate open response aborted -> skip 499 client-closed",
        "annotate open response pass unreadable -> skip unchecked",
        "annotate open response pass unsupported -> skip unchecked",
      ]
    `);
  });

  it('shadow decides like annotate', () => {
    for (const outcome of outcomes) {
      const input: DecideInput = {
        mode: 'shadow',
        failMode: 'closed',
        side: 'request',
        passUnknown: false,
        outcome,
      };
      expect(decide(input)).toEqual(decide({ ...input, mode: 'annotate' }));
    }
  });

  it('uses blockedStatus for unsafe verdicts', () => {
    const input: DecideInput = {
      mode: 'block',
      failMode: 'closed',
      side: 'response',
      passUnknown: false,
      outcome: 'unsafe',
    };
    expect(decide(input, 451).refusal).toEqual({ status: 451, body: 'blocked' });
  });
});
