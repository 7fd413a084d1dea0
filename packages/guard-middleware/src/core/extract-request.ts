import type { Message } from '@vigil/guard-core';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const hasRole = (value: unknown): value is Message => isObject(value) && typeof value.role === 'string';

/** Responses API `input`: a string, or a list of strings and items (messages have a `role`). */
function fromInput(input: unknown): Message[] | undefined {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input)) return undefined;
  const messages: Message[] = [];
  for (const item of input) {
    if (typeof item === 'string') messages.push({ role: 'user', content: item });
    else if (hasRole(item)) messages.push({ role: item.role, content: item.content });
  }
  return messages;
}

/** Completions `prompt`: a string or a list of strings (judged as one user turn). */
function fromPrompt(prompt: unknown): Message[] | undefined {
  if (typeof prompt === 'string') return [{ role: 'user', content: prompt }];
  if (Array.isArray(prompt) && prompt.every((item) => typeof item === 'string')) {
    return [{ role: 'user', content: prompt.join('\n') }];
  }
  return undefined;
}

/**
 * The conversation in a request body, by the built-in extractors: OpenAI chat completions and
 * Anthropic messages (`messages`; Anthropic's `system` field and system messages are not turns),
 * OpenAI responses (`input`; `instructions` left out), completions and plain `{ prompt }`, and
 * text bodies. Returns `undefined` when the body has none of these.
 * @example
 * extractRequestMessages({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }); // [{ role: 'user', content: 'Hi' }]
 */
export function extractRequestMessages(body: unknown): Message[] | undefined {
  if (typeof body === 'string') return [{ role: 'user', content: body }];
  if (!isObject(body)) return undefined;
  if (Array.isArray(body.messages)) return body.messages.filter(hasRole);
  if (body.input !== undefined) return fromInput(body.input);
  if (body.prompt !== undefined) return fromPrompt(body.prompt);
  return undefined;
}

/** True when some message of `role` holds non-blank text (a string, or `text` parts). */
export function hasText(messages: readonly Message[], role: string): boolean {
  return messages.some((message) => {
    if (message.role !== role) return false;
    if (typeof message.content === 'string') return message.content.trim() !== '';
    if (!Array.isArray(message.content)) return false;
    return message.content.some(
      (part) => isObject(part) && typeof part.text === 'string' && part.text.trim() !== '',
    );
  });
}
