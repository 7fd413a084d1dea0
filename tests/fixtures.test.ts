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

async function openModel(path: string): Promise<{ model: LlamaModel; sequence: LlamaContextSequence }> {
  const model = await llama.loadModel({ modelPath: path });
  const context = await model.createContext({ threads: 2, contextSize: 4096 });
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
