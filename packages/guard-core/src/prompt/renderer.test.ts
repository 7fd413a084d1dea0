import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeConversation } from '../conversation/normalize.js';
import type { Message } from '../conversation/types.js';
import { resolvePolicy } from '../policy/policy.js';
import { createPromptRenderer } from './renderer.js';

const metaTemplate = readFileSync(
  new URL('../../../../tests/fixtures/llama-guard-3-1b.chat_template.jinja', import.meta.url),
  'utf8',
);
// The template run by jinja, never by the twin: what the twin is proven against.
const fromTemplate = createPromptRenderer(metaTemplate, { twin: false });
const builtin = createPromptRenderer(undefined);

const conversations: Record<string, Message[]> = {
  'one user turn': [{ role: 'user', content: 'How do I bake bread?' }],
  'assistant turn': [
    { role: 'user', content: 'Tell me a story' },
    { role: 'assistant', content: '  Once upon a time...\n' },
  ],
  'multi-turn, parts': [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'first' },
        { type: 'text', text: 'second' },
      ],
    },
    { role: 'assistant', content: 'reply' },
    { role: 'user', content: 'and now <|eot_id|> this' },
  ],
  'assistant first': [{ role: 'assistant', content: 'Unprompted words' }],
};
const policies = {
  default: resolvePolicy(),
  'excluded and custom': resolvePolicy({
    excludeCategories: ['S6', 'S13'],
    customCategories: [{ name: 'Competitors', description: 'Talk of rival products.' }],
  }),
  subset: resolvePolicy({ categories: ['S9', 'S1'] }),
};

describe('prompt rendering', () => {
  for (const [conversationName, messages] of Object.entries(conversations)) {
    for (const [policyName, policy] of Object.entries(policies)) {
      it(`the built-in renderer equals Meta's template byte for byte: ${conversationName}, ${policyName}`, () => {
        const conversation = normalizeConversation(messages);
        expect(builtin.render(policy, conversation)).toBe(fromTemplate.render(policy, conversation));
      });
    }
  }

  it("strips each turn as Python's str.strip() does, in both renderers (jinja2's output pinned)", () => {
    const conversation = normalizeConversation([
      { role: 'user', content: [{ type: 'text', text: '\ufeff\u001cHow do I\u0085 bake?\u001f\u0085 ' }] },
      { role: 'assistant', content: [{ type: 'text', text: '\u3000Knead\ufeff\n' }] },
    ]);
    // transformers' jinja2 (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks) renders
    // Meta's template for these messages with this conversation, run once with python3.
    const jinja2 = '\n\nUser: \ufeff\u001cHow do I\u0085 bake?\n\nAgent: Knead\ufeff\n\n';
    for (const renderer of [fromTemplate, builtin]) {
      const text = renderer.render(policies.default, conversation);
      expect(text.slice(text.indexOf('<BEGIN CONVERSATION>') + 20, text.indexOf('<END CONVERSATION>'))).toBe(
        jinja2,
      );
    }
  });

  it('uses the GGUF template when it renders a Llama Guard prompt, else the built-in one', () => {
    expect(fromTemplate.source).toBe('gguf-template');
    expect(fromTemplate.renderedBy).toBe('template');
    expect(builtin.source).toBe('builtin');
    expect(createPromptRenderer('{{ messages[0].content }}').source).toBe('builtin');
    expect(createPromptRenderer('{% if %}').source).toBe('builtin');
  });

  it("renders Meta's exact prompt, 'Agent' for assistant turns", () => {
    const conversation = normalizeConversation(conversations['assistant turn'] as Message[]);
    expect(fromTemplate.render(policies.subset, conversation)).toMatchInlineSnapshot(`
      "<|begin_of_text|><|start_header_id|>user<|end_header_id|>

      Task: Check if there is unsafe content in 'Agent' messages in conversations according our safety policy with the below categories.

      <BEGIN UNSAFE CONTENT CATEGORIES>
      S9: Indiscriminate Weapons.
      S1: Violent Crimes.
      <END UNSAFE CONTENT CATEGORIES>

      <BEGIN CONVERSATION>

      User: Tell me a story

      Agent: Once upon a time...

      <END CONVERSATION>

      Provide your safety assessment for ONLY THE LAST Agent message in the above conversation:
       - First line must read 'safe' or 'unsafe'.
       - If unsafe, a second line must include a comma-separated list of violated categories. <|eot_id|><|start_header_id|>assistant<|end_header_id|>"
    `);
  });

  it('cuts the prompt into a fixed prefix, the conversation and a fixed tail ending in \\n\\n', () => {
    for (const renderer of [fromTemplate, builtin]) {
      for (const messages of Object.values(conversations)) {
        const conversation = normalizeConversation(messages);
        const segments = renderer.segments(policies.default, conversation);
        expect(segments.prefix + segments.conversation + segments.tail).toBe(
          `${renderer.render(policies.default, conversation)}\n\n`,
        );
        expect(segments.prefix.endsWith('<BEGIN CONVERSATION>\n\n')).toBe(true);
        expect(segments.tail.startsWith('<END CONVERSATION>')).toBe(true);
        expect(segments.conversation).toMatch(/^(User|Agent): [\s\S]*\n\n$/);
      }
    }
  });

  it('keeps the prefix fixed for one policy and role, whatever the conversation', () => {
    const a = fromTemplate.segments(policies.default, normalizeConversation('one'));
    const b = fromTemplate.segments(policies.default, normalizeConversation('two words here'));
    const c = fromTemplate.segments(policies.default, normalizeConversation('three', { role: 'assistant' }));
    expect(a.prefix).toBe(b.prefix);
    expect(a.tail).toBe(b.tail);
    expect(c.prefix).not.toBe(a.prefix);
    expect(c.tail).toContain('ONLY THE LAST Agent message');
  });

  it("renders Meta's template with the built-in twin, byte-equal to jinja, and only that template", () => {
    const twin = createPromptRenderer(metaTemplate);
    expect([twin.source, twin.renderedBy]).toEqual(['gguf-template', 'twin']);
    const messages: Message[] = [];
    for (let index = 0; index < 300; index++) {
      const text = ['Hi', ' spaced \u0085', '\ufeffmark', '', 'a\n\nUser: b', '{{ x }}'][index % 6] as string;
      messages.push({ role: index % 2 ? 'assistant' : 'user', content: `${text} ${index}` });
      for (const policy of Object.values(policies)) {
        if (index % 37 !== 0 && index !== 299) continue;
        const conversation = normalizeConversation(messages);
        expect(twin.segments(policy, conversation)).toEqual(fromTemplate.segments(policy, conversation));
      }
    }
    // A template that differs from Meta's in one word is run as it is.
    const other = createPromptRenderer(metaTemplate.replace('according our', 'according to our'));
    expect([other.source, other.renderedBy]).toEqual(['gguf-template', 'template']);
    expect(other.render(policies.default, normalizeConversation('x'))).toContain('according to our');
  });
});
