import { Template } from '@huggingface/jinja';
import type { Conversation } from '../conversation/types.js';
import { VigilModelError } from '../errors.js';
import { type Policy, templateCategories } from '../policy/policy.js';
import { renderBuiltinPrompt, type TemplateVariables } from './builtin-template.js';
import { pythonTrimGlobals, usePythonTrim } from './python-trim.js';

/**
 * A Llama Guard prompt cut into three pieces that tokenize, one by one, exactly as the whole
 * string does: the fixed part before the conversation (same for every call with this policy and
 * role), the conversation (tokenized as plain text: nothing a user writes becomes a special
 * token), and the fixed tail, which ends with the `\n\n` the model would otherwise emit first,
 * so the next token is the verdict.
 */
export interface PromptSegments {
  prefix: string;
  conversation: string;
  tail: string;
}

/** Where the prompt's text comes from: the GGUF's own template, or the built-in twin of Meta's. */
export type PromptSource = 'gguf-template' | 'builtin';

export interface PromptRenderer {
  readonly source: PromptSource;
  /** The full prompt as the template renders it (without the appended `\n\n`). */
  render(policy: Policy, conversation: Conversation): string;
  segments(policy: Policy, conversation: Conversation): PromptSegments;
}

type Render = (conversation: Conversation, variables: TemplateVariables) => string;

const verdictLead = '\n\n';

/**
 * Builds the prompt renderer for a model: its GGUF `tokenizer.chat_template` when it renders a
 * Llama Guard prompt (content as a list of parts, as the 1B template needs, or as plain strings,
 * as the 8B template needs), else the built-in renderer.
 */
export function createPromptRenderer(chatTemplate?: string | undefined): PromptRenderer {
  const fromTemplate = chatTemplate ? compileTemplate(chatTemplate) : undefined;
  const render = fromTemplate ?? renderBuiltinPrompt;
  const source: PromptSource = fromTemplate ? 'gguf-template' : 'builtin';
  const frames = new Map<string, { prefix: string; tail: string }>();

  const renderPolicy = (policy: Policy, conversation: Conversation) =>
    render(conversation, {
      categories: templateCategories(policy),
      excluded_category_keys: [...policy.excluded],
    });

  function frame(policy: Policy, role: Conversation['role']) {
    const key = `${role}\u0000${policy.key}`;
    let found = frames.get(key);
    if (!found) {
      found = findFrame((text) => renderPolicy(policy, probeConversation(role, text)));
      frames.set(key, found);
    }
    return found;
  }

  return {
    source,
    render: renderPolicy,
    segments(policy, conversation) {
      const text = renderPolicy(policy, conversation);
      const { prefix, tail } = frame(policy, conversation.role);
      if (!text.startsWith(prefix) || !text.endsWith(tail) || text.length < prefix.length + tail.length) {
        throw new VigilModelError(
          'prompt: the chat template rendered a prompt whose fixed parts depend on the conversation; this is not a Llama Guard template',
        );
      }
      return {
        prefix,
        conversation: text.slice(prefix.length, text.length - tail.length),
        tail: tail + verdictLead,
      };
    },
  };
}

function probeConversation(role: Conversation['role'], text: string): Conversation {
  return role === 'user'
    ? { role, turns: [{ role: 'user', parts: [text], messageIndex: 0 }] }
    : {
        role,
        turns: [
          { role: 'user', parts: [], messageIndex: -1 },
          { role: 'assistant', parts: [text], messageIndex: 0 },
        ],
      };
}

/**
 * Finds the fixed prefix and tail by rendering two conversations that differ only in their text,
 * then moves each cut to a line boundary (`\n` runs followed by text), where Llama 3's
 * pre-tokenizer always splits: the pieces then tokenize exactly as the whole.
 */
function findFrame(renderProbe: (text: string) => string) {
  const a = renderProbe('vigil probe alpha');
  const b = renderProbe('other words entirely');
  let start = 0;
  while (start < a.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  const prefixEnd = a.lastIndexOf('\n', start - 1) + 1;
  const tailMatch = /\n+(?=\S)/.exec(a.slice(a.length - end));
  if (prefixEnd <= 0 || !tailMatch) {
    throw new VigilModelError(
      'prompt: cannot find the conversation in the chat template: no line break around it',
    );
  }
  const tailStart = a.length - end + tailMatch.index + tailMatch[0].length;
  return { prefix: a.slice(0, prefixEnd), tail: a.slice(tailStart) };
}

const sentinel = 'vigil-sentinel-7f3a';

function compileTemplate(source: string): Render | undefined {
  let template: Template;
  try {
    template = usePythonTrim(new Template(source));
  } catch {
    return undefined;
  }
  const attempt =
    (contentAsParts: boolean): Render =>
    (conversation, variables) =>
      template.render({
        messages: conversation.turns.map((turn) => ({
          role: turn.role,
          content: contentAsParts
            ? turn.parts.map((text) => ({ type: 'text', text }))
            : turn.parts.join('\n\n'),
        })),
        ...variables,
        ...pythonTrimGlobals,
        bos_token: '<|begin_of_text|>',
        eos_token: '<|eot_id|>',
        add_generation_prompt: true,
      });
  const probe = probeConversation('user', sentinel);
  const variables = { categories: { S1: 'Violent Crimes.' }, excluded_category_keys: [] };
  for (const contentAsParts of [true, false]) {
    const render = attempt(contentAsParts);
    try {
      const text = render(probe, variables);
      if (text.includes(`: ${sentinel}`) && text.includes('S1: Violent Crimes.')) return render;
    } catch {
      // Not this content shape; try the next, then fall back to the built-in renderer.
    }
  }
  return undefined;
}
