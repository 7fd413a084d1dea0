import { VigilInputError } from '../errors.js';
import { pythonStrip } from './python-strip.js';
import { roleKind } from './roles.js';
import type { ContentPart, JudgedRole, Message } from './types.js';

/** Part types whose `text` must be a string (OpenAI chat, Responses input and output). */
const textPartTypes = new Set(['text', 'input_text', 'output_text']);

/** Between the parts of one message: nothing, as OpenAI's `output_text` and the generator join them. */
export const partSeparator = '';
/** Between the messages of a same-role run, judged as one turn: a blank line. */
export const messageSeparator = '\n\n';

/** `messages[3] (role 'robot')` (or `message (role ...)` without an index), for errors. */
export function describeMessage(index: number | undefined, role: unknown) {
  const place = index === undefined ? 'message' : `messages[${index}]`;
  return typeof role === 'string' ? `${place} (role '${role}')` : place;
}

/** Between the fields of one part that holds several texts (a document's title and its text). */
const fieldSeparator = '\n\n';

/** The texts of a nested content list (a document's or search result's `content`, a tool result's). */
function nestedTexts(content: unknown, place: string): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((part: ContentPart, index) => {
    const text = partText(part, `${place}[${index}]`);
    return text === undefined ? [] : [text];
  });
}

/**
 * The texts the model reads of an Anthropic `document` (its `title`, `context` and text source:
 * `source.type: 'text'` with `data`, or `'content'` with a string or text blocks), `search_result`
 * (`title`, `source`, `content` blocks) or `tool_result` (`content`, a string or blocks).
 */
function blockTexts(part: Record<string, unknown>, place: string): string[] | undefined {
  const strings = (...values: unknown[]) =>
    values.filter((value): value is string => typeof value === 'string');
  switch (part.type) {
    case 'document': {
      const source =
        typeof part.source === 'object' && part.source !== null
          ? (part.source as Record<string, unknown>)
          : {};
      const body =
        source.type === 'text'
          ? strings(source.data)
          : source.type === 'content'
            ? nestedTexts(source.content, `${place}.source.content`)
            : [];
      return [...strings(part.title, part.context), ...body];
    }
    case 'search_result':
      return [...strings(part.title, part.source), ...nestedTexts(part.content, `${place}.content`)];
    case 'tool_result':
      return nestedTexts(part.content, `${place}.content`);
    default:
      return undefined;
  }
}

/**
 * The judged text of one content part, or `undefined` for a part with none (an image, audio, a
 * file, encrypted reasoning). Read: `text` (every part that carries a string `text`: `text`,
 * `input_text`, `output_text`, `reasoning_text`, `summary_text`, and any other type), `refusal`
 * of a `refusal` part, `thinking` of a `thinking` part, `input` of a `tool_use` part (as JSON);
 * Anthropic `document`, `search_result` and `tool_result` blocks: their texts (see
 * {@link blockTexts}). A part with several of these has them all, joined with a blank line.
 */
function partText(part: ContentPart, place: string): string | undefined {
  if (typeof part !== 'object' || part === null || typeof part.type !== 'string') {
    throw new VigilInputError(`${place}: expected a part object with a string 'type'`);
  }
  const { text } = part as { text?: unknown };
  if (textPartTypes.has(part.type) && typeof text !== 'string') {
    throw new VigilInputError(`${place}: expected 'text' to be a string, received ${typeof text}`);
  }
  // Every text field of the part: a stray `text: ''` beside a refusal or a document hides nothing.
  const field = part.type === 'refusal' ? 'refusal' : part.type === 'thinking' ? 'thinking' : undefined;
  const value = field ? (part as Record<string, unknown>)[field] : undefined;
  const input = part.type === 'tool_use' ? toolArguments((part as { input?: unknown }).input) : undefined;
  const texts = [
    ...(typeof text === 'string' ? [text] : []),
    ...(typeof value === 'string' ? [value] : []),
    ...(input === undefined ? [] : [input]),
    ...(blockTexts(part, place) ?? []),
  ];
  return texts.length === 0 ? undefined : texts.length === 1 ? texts[0] : texts.join(fieldSeparator);
}

/** Tool-call arguments as judged text: a string as it is, an object as JSON; none for `{}` or nothing. */
function toolArguments(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null || Object.keys(value).length === 0) return undefined;
  return JSON.stringify(value);
}

/**
 * The arguments of a message's tool calls, which the assistant writes and a tool runs: OpenAI's
 * `tool_calls[].function.arguments` and the legacy `function_call.arguments` (Anthropic's
 * `tool_use` parts are read with the content). Judged as text of the message, as the middleware
 * judges them in answers.
 */
function toolCallTexts(message: Message): string[] {
  const { tool_calls: calls, function_call: legacy } = message as {
    tool_calls?: unknown;
    function_call?: { arguments?: unknown } | null;
  };
  const texts: string[] = [];
  if (Array.isArray(calls)) {
    for (const call of calls) {
      const text = toolArguments(
        (call as { function?: { arguments?: unknown } } | null)?.function?.arguments,
      );
      if (text !== undefined) texts.push(text);
    }
  }
  const text = toolArguments(typeof legacy === 'object' ? legacy?.arguments : undefined);
  if (text !== undefined) texts.push(text);
  return texts;
}

/** The judged texts of a message (empty when it has none), in order: its parts', then its tool calls' arguments. */
export function messageTexts(message: Message, index?: number): string[] {
  const texts = contentTexts(message, index);
  const calls = toolCallTexts(message);
  return calls.length === 0 ? texts : [...texts, ...calls];
}

function contentTexts(message: Message, index?: number): string[] {
  const { content } = message;
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) {
    throw new VigilInputError(
      `${describeMessage(index, message.role)}: expected content to be a string or a list of parts, received ${typeof content}`,
    );
  }
  const texts: string[] = [];
  (content as readonly ContentPart[]).forEach((part, partIndex) => {
    const text = partText(part, `${describeMessage(index, message.role)}.content[${partIndex}]`);
    if (text !== undefined) texts.push(text);
  });
  return texts;
}

/**
 * Exactly the text Llama Guard sees of a message, and the text the guarded generator reads: a
 * string content as is; of a list of parts, every part's text joined with nothing between
 * (`'Tell me a st'`, `'ory'` is `'Tell me a story'`). A part's text is its string `text` (any
 * part type: `text`, `input_text`, `output_text`, reasoning parts...), a `refusal` part's
 * `refusal`, a `thinking` part's `thinking`, a `tool_use` part's `input` (as JSON); images,
 * audio, files and encrypted reasoning carry none. The arguments of the message's tool calls
 * (`tool_calls[].function.arguments`, `function_call.arguments`) follow the content: they are
 * the assistant's words too. `null` or missing content is `''`.
 * @throws VigilInputError for content that is not a string or a list of part objects, or a text
 * part whose `text` is not a string.
 * @example
 * messageText({ role: 'user', content: [{ type: 'text', text: 'Hello, ' }, { type: 'text', text: 'world' }] }); // 'Hello, world'
 */
export function messageText(message: Message): string {
  return messageTexts(message).join(partSeparator);
}

/**
 * True when some message of `role` (matched as {@link roleKind} matches it: `'User'` and `'human'`
 * are users) has text that is not blank once stripped as the template strips it.
 * @example
 * hasJudgedText([{ role: 'assistant', content: [{ type: 'refusal', refusal: 'No.' }] }], 'assistant'); // true
 */
export function hasJudgedText(messages: readonly Message[], role: JudgedRole): boolean {
  return messages.some(
    (message, index) =>
      typeof message?.role === 'string' &&
      roleKind(message.role) === role &&
      messageTexts(message, index).some((text) => pythonStrip(text) !== ''),
  );
}
