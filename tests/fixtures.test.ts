// The generated GGUF fixtures behave, through real llama.cpp inference (node-llama-cpp), as
// scripts/fixtures/fixture-facts.ts promises: the tiny guard answers like Llama Guard 3 on the
// trigger words, the tiny generator says its two sentences.
import { readFileSync } from 'node:fs';
import { Template } from '@huggingface/jinja';
import {
  getLlama,
  JinjaTemplateChatWrapper,
  type Llama,
  LlamaChatSession,
  type LlamaContextSequence,
  LlamaLogLevel,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTinyFixtures } from '../scripts/fixtures/ensure-fixtures.js';
import {
  expectedGuardAnswer,
  FIXTURE_NAMES,
  FIXTURE_PATHS,
  GENERATOR_SENTENCES,
  GENERATOR_STORY_TRIGGER,
  GENERATOR_SWITCH_WORDS,
  GENERATOR_TEMPLATE_PATH,
  GUARD_TEMPLATE_PATH,
  GUARD_TRIGGER_CLASSES,
  GUARD_TRIGGERS,
  LLAMA3_TOKENS,
  RANDOM_GUARD_FACTS,
} from '../scripts/fixtures/fixture-facts.js';

/** The fixture token ids as node-llama-cpp's branded Token. */
const T = LLAMA3_TOKENS as unknown as Record<keyof typeof LLAMA3_TOKENS, Token>;
const S9_DIGITS = GUARD_TRIGGER_CLASSES.find((entry) => entry.code === 'S9')?.codeToken as Token;

const guardTemplate = readFileSync(GUARD_TEMPLATE_PATH, 'utf8');
const generatorTemplate = readFileSync(GENERATOR_TEMPLATE_PATH, 'utf8');

type Turn = { role: 'user' | 'assistant'; text: string };

/** Meta's prompt: content as a list of parts (a plain string renders an empty conversation). */
function guardPrompt(turns: readonly Turn[]): string {
  const messages = turns.map(({ role, text }) => ({ role, content: [{ type: 'text', text }] }));
  return new Template(guardTemplate).render({ messages, excluded_category_keys: [] });
}

let llama: Llama;

beforeAll(async () => {
  await ensureTinyFixtures();
  llama = await getLlama({ gpu: false, build: 'never', maxThreads: 2, logLevel: LlamaLogLevel.error });
});

async function openModel(
  path: string,
  contextOptions: { flashAttention?: boolean } = {},
): Promise<{ model: LlamaModel; sequence: LlamaContextSequence }> {
  const model = await llama.loadModel({ modelPath: path });
  const context = await model.createContext({ threads: 2, contextSize: 4096, ...contextOptions });
  return { model, sequence: context.getSequence() };
}

/** Greedy tokens after `tokens` (from an empty sequence) up to `<|eot_id|>`, which is dropped. */
async function greedy(sequence: LlamaContextSequence, tokens: Token[], temperature = 0): Promise<Token[]> {
  await sequence.clearHistory();
  const out: Token[] = [];
  for await (const token of sequence.evaluate(tokens, { temperature })) {
    if (token === T.eot || out.length >= 80) break;
    out.push(token);
  }
  return out;
}

describe('tiny-guard.gguf', () => {
  let model: LlamaModel;
  let sequence: LlamaContextSequence;
  beforeAll(async () => ({ model, sequence } = await openModel(FIXTURE_PATHS.tinyGuard)));
  afterAll(() => model?.dispose());

  /** The prompt tokens (special tokens parsed, no BOS added: the template has it) + `\n\n`. */
  const promptTokens = (turns: readonly Turn[]) => [
    ...model.tokenize(guardPrompt(turns), true),
    T.doubleNewline,
  ];
  const answer = async (turns: readonly Turn[]) =>
    model.detokenize(await greedy(sequence, promptTokens(turns)));
  const user = (text: string): Turn[] => [{ role: 'user', text }];

  it('carries its name and Meta template, and one BOS', () => {
    expect(model.fileInfo.metadata.general.name).toBe(FIXTURE_NAMES.tinyGuard);
    expect(model.fileInfo.metadata.tokenizer.chat_template).toBe(guardTemplate);
    const tokens = promptTokens(user('Hello'));
    expect(tokens.filter((token) => token === T.beginOfText)).toEqual([T.beginOfText]);
  });

  it('answers safe on harmless text', async () => {
    for (const text of [
      'How do I bake bread?',
      'Hate speech is bad.',
      'A skilled bomber pilot, a killer app.',
    ]) {
      expect(await answer(user(text))).toBe('safe');
    }
  });

  it('answers unsafe with the code of every trigger word', async () => {
    for (const triggerClass of GUARD_TRIGGER_CLASSES) {
      for (const word of triggerClass.words) {
        expect(await answer(user(`Tell me about the${word.text} here.`)), word.text).toBe(
          `unsafe\n${triggerClass.code}`,
        );
      }
    }
  });

  it('lists every class present, codes ascending', async () => {
    expect(await answer(user(`A${GUARD_TRIGGERS.S9} and a${GUARD_TRIGGERS.S1}.`))).toBe(
      expectedGuardAnswer(['S1', 'S9']),
    );
    expect(await answer(user(`So${GUARD_TRIGGERS.S10}, a${GUARD_TRIGGERS.S9}`))).toBe('unsafe\nS9,S10');
    expect(await answer(user(`Oh${GUARD_TRIGGERS.S10}${GUARD_TRIGGERS.S1}`))).toBe('unsafe\nS1,S10');
    expect(await answer(user(`${GUARD_TRIGGERS.S10}${GUARD_TRIGGERS.S9}${GUARD_TRIGGERS.S1}`))).toBe(
      'unsafe\nS1,S9,S10',
    );
  });

  it("judges an assistant turn ('Agent' in the prompt)", async () => {
    const turns: Turn[] = [
      { role: 'user', text: 'How do I clear a field?' },
      { role: 'assistant', text: `Use a${GUARD_TRIGGERS.S9}.` },
    ];
    expect(guardPrompt(turns)).toContain('ONLY THE LAST Agent message');
    expect(await answer(turns)).toBe('unsafe\nS9');
    expect(await answer([turns[0] as Turn, { role: 'assistant', text: 'Use a tractor.' }])).toBe('safe');
  });

  it('works on a ~1,500-token prompt with the trigger near the start', async () => {
    const filler = ' I like gardening and sunny weather.'.repeat(190);
    const tokens = promptTokens(user(`A${GUARD_TRIGGERS.S9}.${filler}`));
    expect(tokens.length).toBeGreaterThan(1400);
    expect(model.detokenize(await greedy(sequence, tokens))).toBe('unsafe\nS9');
    expect(await answer(user(filler))).toBe('safe');
  });

  it('says \\n\\n first when the prompt stops at <|end_header_id|>', async () => {
    const tokens = model.tokenize(guardPrompt(user(`A${GUARD_TRIGGERS.S1}`)), true);
    expect(model.detokenize(await greedy(sequence, tokens))).toBe('\n\nunsafe\nS1');
  });

  it('puts ~all probability on the verdict and on the category', async () => {
    const probabilities = async (text: string) => {
      await sequence.clearHistory();
      const prompt = model.tokenize(guardPrompt(user(text)), true);
      const results = await sequence.controlledEvaluate([
        ...prompt,
        [T.doubleNewline, { generateNext: { probabilities: true } }],
        T.unsafe,
        T.newline,
        [T.S, { generateNext: { probabilities: true } }],
      ]);
      const verdict = results[prompt.length]?.next.probabilities;
      const category = results[prompt.length + 3]?.next.probabilities;
      return { unsafe: verdict?.get(T.unsafe) ?? Number.NaN, category };
    };
    expect((await probabilities('How do I bake bread?')).unsafe).toBeLessThan(1e-9);
    const bomb = await probabilities(`A${GUARD_TRIGGERS.S9}`);
    expect(bomb.unsafe).toBeGreaterThan(1 - 1e-9);
    expect(bomb.category?.get(S9_DIGITS)).toBeGreaterThan(1 - 1e-9);
  });
});

describe('tiny-random-guard.gguf', () => {
  let model: LlamaModel;
  let sequence: LlamaContextSequence;
  // Flash attention off: with it on (node-llama-cpp's 'auto' default) llama.cpp's CPU kernel
  // for a small batch differs from the one for a big batch, so a prefix + a short rest differs
  // from the whole prompt by up to ~1e-3 in probability on this model (see RANDOM_GUARD_FACTS).
  beforeAll(
    async () =>
      ({ model, sequence } = await openModel(FIXTURE_PATHS.tinyRandomGuard, { flashAttention: false })),
  );
  afterAll(() => model?.dispose());

  const verdictPrompt = (text: string) => [
    ...model.tokenize(guardPrompt([{ role: 'user', text }]), true),
    T.doubleNewline,
  ];
  const withNext = (token: Token) => [token, { generateNext: { probabilities: true } }] as const;

  /** Next-token probabilities after `tokens`, evaluated from an empty sequence in pieces. */
  async function nextProbabilities(
    tokens: Token[],
    splitAt?: number,
    on: LlamaContextSequence = sequence,
  ): Promise<Map<Token, number>> {
    await on.clearHistory();
    const pieces = splitAt === undefined ? [tokens] : [tokens.slice(0, splitAt), tokens.slice(splitAt)];
    let last: Map<Token, number> | undefined;
    for (const [index, piece] of pieces.entries()) {
      const isLast = index === pieces.length - 1;
      const input = isLast ? [...piece.slice(0, -1), withNext(piece.at(-1) as Token)] : piece;
      const results = await on.controlledEvaluate(input as Parameters<typeof on.controlledEvaluate>[0]);
      if (isLast) last = results.at(-1)?.next.probabilities;
    }
    if (!last) throw new Error('controlledEvaluate: expected probabilities');
    return last;
  }
  const worstDifference = (a: Map<Token, number>, b: Map<Token, number>) => {
    let worst = 0;
    for (const token of new Set([...a.keys(), ...b.keys()])) {
      worst = Math.max(worst, Math.abs((a.get(token) ?? 0) - (b.get(token) ?? 0)));
    }
    return worst;
  };
  const ratio = (probabilities: Map<Token, number>) => {
    const [safe, unsafe] = [probabilities.get(T.safe) ?? 0, probabilities.get(T.unsafe) ?? 0];
    return { ratio: unsafe / (safe + unsafe), mass: safe + unsafe };
  };
  const messages = [
    'How do I bake bread?',
    'What is the weather like today?',
    'Tell me about the history of Rome.',
    'Can I borrow your car?',
    'I want to learn how to play the guitar.',
    'Write an email to my boss.',
  ];

  it('has the llama shapes, its name and Meta template', () => {
    const { metadata } = model.fileInfo;
    expect(metadata.general.name).toBe(FIXTURE_NAMES.tinyRandomGuard);
    expect(metadata.tokenizer.chat_template).toBe(guardTemplate);
    expect(metadata.general.architecture).toBe('llama');
    const llamaMeta = (metadata as unknown as { llama: Record<string, unknown> }).llama;
    expect(llamaMeta).toMatchObject({ block_count: 2, context_length: 8192, embedding_length: 128 });
    expect(llamaMeta.attention).toMatchObject({ head_count: 4, head_count_kv: 2 });
    expect(model.trainContextSize).toBe(8192);
  });

  it(`spreads P(unsafe) / (P(safe) + P(unsafe)) below ${RANDOM_GUARD_FACTS.ratioBelow} and above ${RANDOM_GUARD_FACTS.ratioAbove}`, async () => {
    const results = [];
    for (const text of messages) results.push(ratio(await nextProbabilities(verdictPrompt(text))));
    const ratios = results.map((result) => result.ratio);
    expect(Math.min(...ratios)).toBeLessThan(RANDOM_GUARD_FACTS.ratioBelow);
    expect(Math.max(...ratios)).toBeGreaterThan(RANDOM_GUARD_FACTS.ratioAbove);
    for (const result of results) {
      expect(result.ratio).toBeGreaterThan(0.01);
      expect(result.ratio).toBeLessThan(0.99);
      expect(result.mass).toBeGreaterThan(0.5);
    }
  });

  it('moves the ratio when one word of the message changes', async () => {
    const bread = ratio(await nextProbabilities(verdictPrompt('How do I bake bread?'))).ratio;
    const cake = ratio(await nextProbabilities(verdictPrompt('How do I bake cake?'))).ratio;
    expect(Math.abs(bread - cake)).toBeGreaterThan(1e-3);
  });

  it('spreads the category after unsafe \\n S over the numbers 1..14', async () => {
    for (const text of messages.slice(0, 3)) {
      const probabilities = await nextProbabilities([...verdictPrompt(text), T.unsafe, T.newline, T.S]);
      const digits = RANDOM_GUARD_FACTS.digitTokens.map((token) => probabilities.get(token as Token) ?? 0);
      const mass = digits.reduce((sum, value) => sum + value, 0);
      expect(mass).toBeGreaterThan(0.5);
      expect(Math.max(...digits) / mass).toBeLessThan(0.8);
      expect(digits.filter((value) => value / mass > 0.02).length).toBeGreaterThanOrEqual(5);
    }
  });

  it(`gives the same probabilities whole and in two pieces (within ${RANDOM_GUARD_FACTS.probabilityTolerance})`, async () => {
    const tokens = [...verdictPrompt(messages[0] as string), T.unsafe, T.newline, T.S];
    const whole = await nextProbabilities(tokens);
    for (const splitAt of [1, 150, tokens.length - 4, tokens.length - 1]) {
      const pieces = await nextProbabilities(tokens, splitAt);
      expect(worstDifference(whole, pieces), `split at ${splitAt}`).toBeLessThanOrEqual(
        RANDOM_GUARD_FACTS.probabilityTolerance,
      );
    }
    const verdictTokens = verdictPrompt(messages[3] as string);
    const verdictWhole = await nextProbabilities(verdictTokens);
    const verdictSplit = await nextProbabilities(verdictTokens, verdictTokens.length - 30);
    expect(worstDifference(verdictWhole, verdictSplit)).toBeLessThanOrEqual(
      RANDOM_GUARD_FACTS.probabilityTolerance,
    );
  });

  it(`differs by at most ${RANDOM_GUARD_FACTS.flashAttentionTolerance} with flash attention on`, async () => {
    const context = await model.createContext({ threads: 2, contextSize: 1024, flashAttention: true });
    try {
      const flash = context.getSequence();
      const tokens = [...verdictPrompt(messages[0] as string), T.unsafe, T.newline, T.S];
      const whole = await nextProbabilities(tokens, undefined, flash);
      for (const splitAt of [150, tokens.length - 30]) {
        const pieces = await nextProbabilities(tokens, splitAt, flash);
        expect(worstDifference(whole, pieces)).toBeLessThanOrEqual(
          RANDOM_GUARD_FACTS.flashAttentionTolerance,
        );
      }
    } finally {
      await context.dispose();
    }
  });

  it('stays finite on a 1,000-token prompt', async () => {
    const tokens = verdictPrompt(' I like gardening and sunny weather.'.repeat(130));
    expect(tokens.length).toBeGreaterThan(1000);
    const probabilities = await nextProbabilities(tokens);
    let total = 0;
    for (const value of probabilities.values()) {
      expect(Number.isFinite(value)).toBe(true);
      total += value;
    }
    expect(total).toBeCloseTo(1, 3);
    const { ratio: value } = ratio(probabilities);
    expect(value).toBeGreaterThan(0);
    expect(value).toBeLessThan(1);
  });
});

describe('tiny-guard-no-template.gguf', () => {
  it('has no chat template and answers the same', async () => {
    const { model, sequence } = await openModel(FIXTURE_PATHS.tinyGuardNoTemplate);
    try {
      expect(model.fileInfo.metadata.tokenizer.chat_template).toBeUndefined();
      const run = async (text: string) =>
        model.detokenize(
          await greedy(sequence, [
            ...model.tokenize(guardPrompt([{ role: 'user', text }]), true),
            T.doubleNewline,
          ]),
        );
      expect(await run('Hello')).toBe('safe');
      expect(await run(`I will${GUARD_TRIGGERS.S1}`)).toBe('unsafe\nS1');
    } finally {
      await model.dispose();
    }
  });
});

describe('tiny-generator.gguf', () => {
  let model: LlamaModel;
  let sequence: LlamaContextSequence;
  beforeAll(async () => ({ model, sequence } = await openModel(FIXTURE_PATHS.tinyGenerator)));
  afterAll(() => model?.dispose());

  const storyPrompt = `Tell me a${GENERATOR_SWITCH_WORDS[0]?.text} please.`;
  const cases = [
    { userText: 'What is the weather like?', sentence: GENERATOR_SENTENCES.plain },
    { userText: storyPrompt, sentence: GENERATOR_SENTENCES.story },
  ];

  it('carries the Llama 3.2 template', () => {
    expect(model.fileInfo.metadata.tokenizer.chat_template).toBe(generatorTemplate);
    expect(GENERATOR_SENTENCES.story).toContain(GENERATOR_STORY_TRIGGER.word);
    expect(GENERATOR_SENTENCES.plain).not.toContain(GENERATOR_STORY_TRIGGER.word);
  });

  it('says its sentence greedily after the rendered prompt', async () => {
    for (const { userText, sentence } of cases) {
      const prompt = new Template(generatorTemplate).render({
        messages: [{ role: 'user', content: userText }],
        bos_token: '<|begin_of_text|>',
        add_generation_prompt: true,
      });
      expect(prompt.endsWith('<|start_header_id|>assistant<|end_header_id|>\n\n')).toBe(true);
      expect(model.detokenize(await greedy(sequence, model.tokenize(prompt, true)))).toBe(sentence);
    }
  });

  it('says the same through LlamaChatSession, greedy and sampled', async () => {
    const chatWrapper = new JinjaTemplateChatWrapper({ template: generatorTemplate });
    for (const { userText, sentence } of cases) {
      for (const options of [{ temperature: 0 }, { temperature: 0.6, topP: 0.9, seed: 7 }]) {
        await sequence.clearHistory();
        const session = new LlamaChatSession({ contextSequence: sequence, chatWrapper });
        expect(await session.prompt(userText, options)).toBe(sentence);
        session.dispose({ disposeSequence: false });
      }
    }
  });
});
