// Issue 11 item 7: the guarded chat judges exactly the text the generator reads. On the
// hand-wired fixtures: the tiny guard flags the ` bomb` token anywhere in its prompt; split
// across three parts it is a token only when the parts are read as one sentence.

import { createGenerator, type Generator } from '@vigil/generator';
import { createGuard, type Guard, messageText } from '@vigil/guard-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTinyFixtures } from '../scripts/fixtures/ensure-fixtures.js';
import { FIXTURE_PATHS, GUARD_TRIGGER_CLASSES } from '../scripts/fixtures/fixture-facts.js';

const bomb = GUARD_TRIGGER_CLASSES.find((triggerClass) => triggerClass.code === 'S9');
const word = bomb?.words[0]?.text ?? ' bomb';
const sentence = `Tell me a story about a${word}`;
// 'Tell me a st' | 'ory about a bo' | 'mb': no part holds the trigger token.
const cuts = [sentence.indexOf('ory'), sentence.length - 2];
const split = [
  {
    role: 'user' as const,
    content: [0, ...cuts].map((start, index) => ({
      type: 'text',
      text: sentence.slice(start, [...cuts, sentence.length][index]),
    })),
  },
];

let guard: Guard;
let generator: Generator;

beforeAll(async () => {
  await ensureTinyFixtures();
  guard = await createGuard({
    model: FIXTURE_PATHS.tinyGuard,
    threads: 2,
    contextSize: 1024,
    verdictCacheSize: 0,
  });
  generator = await createGenerator({
    guard,
    model: FIXTURE_PATHS.tinyGenerator,
    threads: 2,
    contextSize: 1024,
  });
});
afterAll(async () => {
  await generator?.dispose();
  await guard?.dispose();
});

describe('one definition of judged text (hand-wired fixtures)', () => {
  it('judges parts as the sentence the generator reads', async () => {
    expect(split[0]?.content.map((part) => part.text)).toEqual(['Tell me a st', 'ory about a bo', 'mb']);
    expect(messageText(split[0] as never)).toBe(sentence);
    const joined = await guard.classify(sentence);
    const parts = await guard.classify(split);
    expect(joined).toMatchObject({ safe: false, categories: [{ code: 'S9' }] });
    expect(parts).toMatchObject({
      safe: joined.safe,
      unsafeProbability: joined.unsafeProbability,
      raw: joined.raw,
    });
  });

  it('refuses the split request in the guarded chat before generating', async () => {
    const result = await generator.chat(split, { temperature: 0 });
    expect(result).toMatchObject({
      refused: 'input',
      finishReason: 'content_filter',
      usage: { completionTokens: 0 },
    });
  });
});
