import { messageText } from './message-text.js';
import { roleKind } from './roles.js';
import type { Message } from './types.js';

/**
 * The prefill of a conversation: the text of its last message when that is an assistant's
 * (Anthropic's prefill, vLLM's `continue_final_message`, llama-server), which the model's answer
 * continues; `undefined` otherwise. Throws as {@link messageText} does on malformed content.
 * @example
 * prefillOf([{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Sure, the bo' }]); // 'Sure, the bo'
 */
export function prefillOf(conversation: readonly Message[]): string | undefined {
  const last = conversation.at(-1);
  if (typeof last !== 'object' || last === null || typeof last.role !== 'string') return undefined;
  return roleKind(last.role) === 'assistant' ? messageText(last) : undefined;
}

/**
 * The conversation an answer is judged in: after a prefill the answer continues it, so the
 * prefill's text and the answer are one assistant message, joined with nothing (`'Sure, the bo'`
 * + `'mb is'` is judged as `'Sure, the bomb is'`, as a client that joins them shows it); else the
 * answer is a new assistant message.
 * @example
 * withAnswer([{ role: 'user', content: 'Hi' }], 'Hello'); // [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }]
 */
export function withAnswer(conversation: readonly Message[], answer: string): Message[] {
  let prefill: string | undefined;
  try {
    prefill = prefillOf(conversation);
  } catch {
    // Malformed content: the guard names it when it judges the conversation as it is.
  }
  if (prefill === undefined) return [...conversation, { role: 'assistant', content: answer }];
  return [...conversation.slice(0, -1), { role: 'assistant', content: prefill + answer }];
}
