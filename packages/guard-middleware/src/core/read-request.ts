import type { JudgedRole, Message } from '@vigil/guard-core';
import { hasJudgedText, prefillOf, pythonStrip, roleKind } from '@vigil/guard-core/internal';
import { isRecord, type ProtocolName } from './protocols/types.js';

/** What a request body holds for the guard. */
export type RequestReading =
  /** Conversations to judge (one per field an upstream may read: `messages`, `input`, each `prompt`). */
  | { kind: 'conversations'; protocol: ProtocolName; conversations: Message[][] }
  /** A known field the middleware cannot read (token ids): not proof of safety. */
  | { kind: 'unreadable'; protocol: ProtocolName; reason: string }
  /** No field of any known API shape. */
  | { kind: 'unrecognized'; reason: string };

/**
 * A Responses `input` item that is a message: it has a `role` key (any value), or its `type` is
 * `message` or missing. Other items (`function_call_output`, `reasoning`, ...) are not messages.
 * Anything else (a number, `null`, a list) is passed on too: the guard rejects it.
 */
const isInputMessage = (item: unknown) =>
  !isRecord(item) || Object.hasOwn(item, 'role') || item.type === 'message' || item.type === undefined;

/** Responses `input`: a string, or a list of strings and items (messages have a `role`). */
function fromInput(input: unknown): Message[] | string {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input)) return `'input' is neither a string nor a list (received ${typeof input})`;
  const messages: Message[] = [];
  for (const item of input) {
    if (typeof item === 'string') messages.push({ role: 'user', content: item });
    // Passed whole: a message whose role is missing, not a string, unknown (or only in
    // `__proto__`) is the guard's input error, never left out.
    else if (isInputMessage(item)) messages.push(item as Message);
  }
  return messages;
}

const isTokenIds = (value: unknown) =>
  Array.isArray(value) &&
  value.length > 0 &&
  value.every(
    (item) => typeof item === 'number' || (Array.isArray(item) && item.every((id) => typeof id === 'number')),
  );

/**
 * Completions `prompt`: a string or a list of strings, each its own conversation; token ids are
 * unreadable. A `suffix` (fill-in-the-middle: the model reads the prompt, then the suffix) is
 * judged with each prompt, as a second user message of the same turn.
 */
function fromPrompt(prompt: unknown, suffix: unknown): Message[][] | string {
  if (suffix !== undefined && suffix !== null && typeof suffix !== 'string')
    return `'suffix' is not a string (received ${typeof suffix})`;
  const withSuffix = (item: string): Message[] =>
    typeof suffix === 'string' && suffix !== ''
      ? [
          { role: 'user', content: item },
          { role: 'user', content: suffix },
        ]
      : [{ role: 'user', content: item }];
  if (typeof prompt === 'string') return [withSuffix(prompt)];
  if (Array.isArray(prompt) && prompt.every((item) => typeof item === 'string'))
    return prompt.map(withSuffix);
  if (isTokenIds(prompt))
    return "'prompt' is given as token ids, which the middleware cannot decode (send text, or set passUnknown)";
  return `'prompt' is neither a string nor a list of strings (received ${Array.isArray(prompt) ? 'a mixed list' : typeof prompt})`;
}

/** Anthropic when the path or the headers say so (the body is shaped like OpenAI chat's). */
export function isAnthropicRequest(path: string, headers: Readonly<Record<string, string | undefined>>) {
  return /\/messages(\?|$)/.test(path) || headers['anthropic-version'] !== undefined;
}

/**
 * Reads the conversations of a request body by the protocol table: OpenAI chat completions and
 * Anthropic messages (`messages`), OpenAI Responses (`input`; `instructions` is left to the
 * upstream, as a system prompt), completions and plain `{ prompt }` (each prompt of a list on
 * its own), and text bodies. A body holding several of these fields has each judged, since an
 * upstream may read any of them. Roles are passed on as they are: the guard maps or rejects them.
 * @example
 * readRequest({ messages: [{ role: 'user', content: 'Hi' }] }, '/v1/chat/completions', {});
 * // { kind: 'conversations', protocol: 'openai-chat', conversations: [[{ role: 'user', content: 'Hi' }]] }
 */
export function readRequest(
  body: unknown,
  path: string,
  headers: Readonly<Record<string, string | undefined>>,
): RequestReading {
  if (typeof body === 'string')
    return { kind: 'conversations', protocol: 'text', conversations: [[{ role: 'user', content: body }]] };
  if (!isRecord(body)) return { kind: 'unrecognized', reason: 'the body is not a JSON object' };
  const conversations: Message[][] = [];
  let protocol: ProtocolName | undefined;
  const unreadable = (reason: string): RequestReading => ({
    kind: 'unreadable',
    protocol: protocol ?? 'openai-chat',
    reason,
  });
  if (body.messages !== undefined) {
    protocol = isAnthropicRequest(path, headers) ? 'anthropic-messages' : 'openai-chat';
    if (!Array.isArray(body.messages)) return unreadable("'messages' is not a list");
    // Every item, as it is: one whose role is missing, not a string or unknown is the guard's
    // input error (400 under fail-closed), never dropped and forwarded unjudged.
    conversations.push(body.messages as Message[]);
  }
  if (body.input !== undefined) {
    protocol ??= 'openai-responses';
    const input = fromInput(body.input);
    if (typeof input === 'string') return unreadable(input);
    conversations.push(input);
  }
  if (body.prompt !== undefined) {
    protocol ??= 'openai-completions';
    const prompts = fromPrompt(body.prompt, body.suffix);
    if (typeof prompts === 'string') return unreadable(prompts);
    conversations.push(...prompts);
  }
  if (protocol === undefined)
    return { kind: 'unrecognized', reason: "no 'messages', 'input' or 'prompt' field in the body" };
  return { kind: 'conversations', protocol, conversations };
}

/**
 * True when a conversation must go to the guard: some message has judged text by guard-core's
 * one definition (`hasJudgedText`), a user's, an assistant's, or one of a role the guard does not
 * know (it rejects it), or holds content the guard cannot read (it rejects that too). Only
 * conversations whose text is all in instruction messages (system, developer, tool), or blank,
 * are skipped.
 */
export function hasTextToJudge(messages: readonly Message[]): boolean {
  try {
    if (messages.some((message) => !isRecord(message) || typeof message.role !== 'string')) return true;
    const unknown = messages.filter((message) => roleKind(message.role) === undefined);
    return (
      hasJudgedText(messages, 'user') ||
      hasJudgedText(messages, 'assistant') ||
      hasJudgedText(
        unknown.map((message) => ({ ...message, role: 'user' })),
        'user',
      )
    );
  } catch {
    return true;
  }
}

/** One check of a request: a conversation, judged as the last turn of `role`. */
export interface RequestCheck {
  role: JudgedRole;
  messages: readonly Message[];
}

/**
 * The checks of one request conversation: its last user turn; and, when it ends with an
 * assistant message (a prefill the upstream's model continues: Anthropic, vLLM's
 * `continue_final_message`, llama-server), that assistant turn too, after the user's. A
 * conversation with neither is judged as the user's, and the guard names what is wrong.
 * @example
 * requestChecks([{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Sure' }]).map((check) => check.role); // ['user', 'assistant']
 */
export function requestChecks(messages: readonly Message[]): RequestCheck[] {
  let prefill = false;
  try {
    // An empty or blank trailing assistant message continues nothing: it is not judged.
    prefill = pythonStrip(prefillOf(messages) ?? '') !== '';
  } catch {
    // Malformed content: the user check fails on it with an input error.
  }
  const hasUser = messages.some(
    (message) => isRecord(message) && typeof message.role === 'string' && roleKind(message.role) === 'user',
  );
  const checks: RequestCheck[] = [];
  if (hasUser || !prefill) checks.push({ role: 'user', messages });
  if (prefill) checks.push({ role: 'assistant', messages });
  return checks;
}
