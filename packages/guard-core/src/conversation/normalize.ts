import { VigilInputError } from '../errors.js';
import { messageRuns, roleAt } from './judged-turns.js';
import { describeMessage } from './message-text.js';
import { pythonStrip } from './python-strip.js';
import type { ContentPart, Conversation, JudgedRole, Message, Turn } from './types.js';

export interface NormalizeOptions {
  /**
   * Judge the last turn of this role: the conversation is cut after it. Defaults to the role of
   * the last message.
   */
  role?: JudgedRole | undefined;
}

/**
 * Turns OpenAI-style input into the alternating conversation Llama Guard judges.
 *
 * - A string is one user turn (or one assistant turn with `role: 'assistant'`).
 * - Roles are matched case-insensitively, with aliases (`human`; `ai`, `bot`, `model`, `gpt`).
 *   System, developer and tool messages are left out; any other role is an error.
 * - A message's text is {@link messageText}; consecutive messages of one role are one turn,
 *   their texts joined with a blank line. Each turn has one part (none when no message of it has
 *   text parts), so Llama Guard judges the whole turn, not only its last part.
 * - An assistant-first conversation gets an empty user turn in front; it renders as nothing, so
 *   the model sees only the assistant's text (Meta's template needs user-first alternation).
 *
 * @throws VigilInputError naming the message at fault: empty conversation, empty last turn, a
 * last message that is not a user or assistant turn, a last turn with non-text parts only, an
 * unknown role.
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
    const kind = roleAt(messages, end);
    if (kind === 'ignored') {
      throw new VigilInputError(
        `${describeMessage(end, messages[end]?.role)}: the last message must be a user or assistant turn for Llama Guard to judge; pass { role: 'user' } or { role: 'assistant' } to judge the last turn of that role`,
      );
    }
  } else {
    while (end >= 0 && roleAt(messages, end) !== wanted) end--;
    if (end < 0) throw new VigilInputError(`classify: the conversation has no '${wanted}' turn to judge`);
  }

  const turns: Turn[] = messageRuns(messages, end).map((run) => ({
    role: run.role,
    parts: run.hasParts ? [run.text] : [],
    messageIndex: run.start,
  }));
  const last = turns.at(-1) as Turn;
  const lastMessage = messages[end] as Message;
  if (last.parts.length === 0) {
    throw new VigilInputError(
      `${describeMessage(end, lastMessage.role)}: the turn to judge has no text parts (only ${describeContent(lastMessage)})`,
    );
  }
  if (pythonStrip(last.parts[0] as string) === '') {
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
