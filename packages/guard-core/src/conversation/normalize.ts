import { VigilInputError } from '../errors.js';
import type { ContentPart, Conversation, JudgedRole, Message, Turn } from './types.js';

const textPartTypes = new Set(['text', 'input_text', 'output_text']);
const ignoredRoles = new Set(['system', 'developer', 'tool', 'function']);

export interface NormalizeOptions {
  /**
   * Judge the last turn of this role: the conversation is cut after it. Defaults to the role of
   * the last message.
   */
  role?: JudgedRole | undefined;
}

function describeMessage(index: number, role: string) {
  return `messages[${index}] (role '${role}')`;
}

function textParts(message: Message, index: number): string[] {
  const { content } = message;
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) {
    throw new VigilInputError(
      `${describeMessage(index, message.role)}: expected content to be a string or a list of parts, received ${typeof content}`,
    );
  }
  const parts: string[] = [];
  (content as readonly ContentPart[]).forEach((part, partIndex) => {
    if (typeof part !== 'object' || part === null || typeof part.type !== 'string') {
      throw new VigilInputError(
        `${describeMessage(index, message.role)}.content[${partIndex}]: expected a part object with a string 'type'`,
      );
    }
    if (!textPartTypes.has(part.type)) return;
    if (typeof part.text !== 'string') {
      throw new VigilInputError(
        `${describeMessage(index, message.role)}.content[${partIndex}]: expected 'text' to be a string, received ${typeof part.text}`,
      );
    }
    parts.push(part.text);
  });
  return parts;
}

/**
 * Turns OpenAI-style input into the alternating conversation Llama Guard judges.
 *
 * - A string is one user turn (or one assistant turn with `role: 'assistant'`).
 * - System, developer and tool messages are left out.
 * - Consecutive messages of one role are joined into one turn (their text parts kept in order).
 * - An assistant-first conversation gets an empty user turn in front; it renders as nothing, so
 *   the model sees only the assistant's text (Meta's template needs user-first alternation).
 *
 * @throws VigilInputError naming the message at fault: empty conversation, empty last turn, a
 * last message that is not a user or assistant turn, a last turn with non-text parts only.
 */
export function normalizeConversation(
  input: string | readonly Message[],
  options: NormalizeOptions = {},
): Conversation {
  if (typeof input === 'string') {
    const role = options.role ?? 'user';
    return finish([{ role, content: input }], role);
  }
  if (!Array.isArray(input)) {
    throw new VigilInputError(`classify: expected a string or a list of messages, received ${typeof input}`);
  }
  if (input.length === 0) throw new VigilInputError('classify: the conversation is empty (no messages)');
  return finish(input, options.role);
}

function finish(messages: readonly Message[], wanted: JudgedRole | undefined): Conversation {
  let end = messages.length - 1;
  if (wanted === undefined) {
    const last = messages[end] as Message;
    if (typeof last !== 'object' || last === null || typeof last.role !== 'string') {
      throw new VigilInputError(
        `${describeMessage(end, String(last?.role))}: expected an object with a string 'role'`,
      );
    }
    if (last.role !== 'user' && last.role !== 'assistant') {
      throw new VigilInputError(
        `${describeMessage(end, last.role)}: the last message must be a user or assistant turn for Llama Guard to judge; pass { role: 'user' } or { role: 'assistant' } to judge the last turn of that role`,
      );
    }
  } else {
    while (end >= 0 && messages[end]?.role !== wanted) end--;
    if (end < 0) throw new VigilInputError(`classify: the conversation has no '${wanted}' turn to judge`);
  }

  const turns: Turn[] = [];
  for (let index = 0; index <= end; index++) {
    const message = messages[index];
    if (typeof message !== 'object' || message === null || typeof message.role !== 'string') {
      throw new VigilInputError(`messages[${index}]: expected an object with a string 'role'`);
    }
    if (ignoredRoles.has(message.role)) continue;
    if (message.role !== 'user' && message.role !== 'assistant') {
      throw new VigilInputError(
        `${describeMessage(index, message.role)}: unknown role; expected user, assistant, system, developer or tool`,
      );
    }
    const parts = textParts(message, index);
    const previous = turns.at(-1);
    if (previous?.role === message.role) previous.parts.push(...parts);
    else turns.push({ role: message.role, parts, messageIndex: index });
  }

  const last = turns.at(-1) as Turn;
  const lastMessage = messages[end] as Message;
  if (last.parts.length === 0) {
    throw new VigilInputError(
      `${describeMessage(end, lastMessage.role)}: the turn to judge has no text parts (only ${describeContent(lastMessage)})`,
    );
  }
  if (last.parts.every((part) => part.trim() === '')) {
    throw new VigilInputError(`${describeMessage(end, lastMessage.role)}: the turn to judge is empty`);
  }
  if (turns[0]?.role === 'assistant') turns.unshift({ role: 'user', parts: [], messageIndex: -1 });
  return { turns, role: last.role };
}

function describeContent(message: Message) {
  if (Array.isArray(message.content)) {
    const types = [...new Set((message.content as ContentPart[]).map((part) => part.type))];
    return types.length > 0 ? `parts of type ${types.join(', ')}` : 'an empty content list';
  }
  return 'empty content';
}
