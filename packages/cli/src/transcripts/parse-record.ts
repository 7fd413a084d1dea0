import { type Message, VigilInputError } from '@vigil/guard-core';
import { formatPath, hasJudgedText, judgedTurns } from '@vigil/guard-core/internal';
import { z } from 'zod';

const idSchema = z.union([z.string(), z.number()]).transform(String).optional();
const messageSchema = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
});
const shareGptTurnSchema = z.looseObject({ from: z.string(), value: z.string() });

/** `{ "messages": [...] }`: OpenAI / Hugging Face chat. */
const messagesRecordSchema = z.looseObject({ id: idSchema, messages: z.array(messageSchema) });
/** `{ "conversations": [{ "from": "human", "value": "..." }] }`: ShareGPT. */
const shareGptRecordSchema = z.looseObject({ id: idSchema, conversations: z.array(shareGptTurnSchema) });
const bareRecordSchema = z.array(messageSchema);

const shareGptRoles: Record<string, string> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  chatgpt: 'assistant',
  bard: 'assistant',
  bing: 'assistant',
  model: 'assistant',
  system: 'system',
};

/** A message holding only images (Llama Guard 3 1B reads text only), as a problem names it. */
function onlyImages(messages: readonly Message[]) {
  const index = messages.findIndex((message) => {
    const { content } = message as { content?: unknown };
    return Array.isArray(content) && content.length > 0 && content.every((part) => part?.type !== 'text');
  });
  return index === -1 ? undefined : `messages[${index}] (role '${messages[index]?.role}')`;
}

/**
 * Rejects a conversation with no user or assistant turn that has text (guard-core's judged text),
 * naming the real problem (an unknown role, only images) and keeping the record's id.
 */
function nonEmpty(messages: Message[], id: string | undefined): ParsedRecord {
  const withId = (problem: string) => (id === undefined ? { problem } : { problem, id });
  try {
    if (hasJudgedText(messages, 'user') || hasJudgedText(messages, 'assistant')) return { messages, id };
    judgedTurns(messages, {}); // throws for an unknown role or malformed content, naming the message
  } catch (error) {
    if (!VigilInputError.isInstance(error)) throw error;
    return withId(error.message);
  }
  const images = onlyImages(messages);
  if (images) {
    return withId(
      `no text to judge: ${images} holds only images, and Llama Guard 3 1B reads text only; expected at least one user or assistant turn with text`,
    );
  }
  return withId(
    `empty conversation: expected at least one user or assistant turn with text, received ${messages.length} message(s)`,
  );
}

/** A parsed record: its messages and id, or what is wrong with it. */
export type ParsedRecord =
  | { messages: Message[]; id?: string | undefined }
  | { problem: string; id?: string | undefined };

function describe(value: unknown) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const keys = Object.keys(value as object).slice(0, 5);
    return keys.length > 0 ? `an object with keys ${keys.join(', ')}` : 'an empty object';
  }
  return typeof value;
}

function issueText(error: z.ZodError) {
  const issue = error.issues[0];
  const where = formatPath(issue?.path ?? []);
  const message = (issue?.message ?? 'invalid').replace(/^Invalid input: /, '');
  return where ? `${where}: ${message}` : message;
}

/**
 * Validates one decoded record (a JSONL line, an element of a JSON array) and turns it into
 * messages. With `shareGptOnly`, only ShareGPT records are accepted.
 */
export function parseRecord(value: unknown, shareGptOnly = false): ParsedRecord {
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  // A record's id is kept when the rest of it is wrong, so a report can name it.
  const id = isObject ? idSchema.safeParse((value as { id?: unknown }).id).data : undefined;
  const invalid = (error: z.ZodError) =>
    id === undefined ? { problem: issueText(error) } : { problem: issueText(error), id };
  if (isObject && 'conversations' in value) {
    const parsed = shareGptRecordSchema.safeParse(value);
    if (!parsed.success) return invalid(parsed.error);
    const messages = parsed.data.conversations.map((turn): Message => {
      const role = shareGptRoles[turn.from.toLowerCase()] ?? 'tool';
      return { role, content: turn.value };
    });
    return nonEmpty(messages, parsed.data.id);
  }
  if (shareGptOnly) {
    return { problem: `expected a ShareGPT record { "conversations": [...] }, received ${describe(value)}` };
  }
  if (isObject && 'messages' in value) {
    const parsed = messagesRecordSchema.safeParse(value);
    if (!parsed.success) return invalid(parsed.error);
    return nonEmpty(parsed.data.messages as Message[], parsed.data.id);
  }
  if (Array.isArray(value)) {
    const parsed = bareRecordSchema.safeParse(value);
    if (!parsed.success) return { problem: issueText(parsed.error) };
    return nonEmpty(parsed.data as Message[], undefined);
  }
  const problem = `expected { "messages": [...] }, a message array or { "conversations": [...] }, received ${describe(value)}`;
  return id === undefined ? { problem } : { problem, id };
}

/**
 * "malformed JSON: <JSON.parse's message>", the same on every Node version: Node 22 and later
 * append " (line L column C)" to the position, which the caller's line number already gives.
 */
export function malformedJson(error: unknown) {
  return `malformed JSON: ${(error as Error).message.replace(/ \(line \d+ column \d+\)$/, '')}`;
}

/** Parses a JSON text and validates it as a record. */
export function parseRecordText(text: string, shareGptOnly = false): ParsedRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: malformedJson(error) };
  }
  return parseRecord(value, shareGptOnly);
}
