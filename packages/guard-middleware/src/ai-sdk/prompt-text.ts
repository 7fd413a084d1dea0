import type {
  LanguageModelV3Content,
  LanguageModelV3FilePart,
  LanguageModelV3Prompt,
  LanguageModelV3TextPart,
  LanguageModelV3ToolResultOutput,
} from '@ai-sdk/provider';
import type { Message } from '@vigil/guard-core';

/** The conversation of a call, as the guard judges it. */
export interface PromptConversation {
  /** User and assistant text turns, ending with the judged user turn (when there is one). */
  messages: Message[];
  /** True when the last message is a user turn with text to judge. */
  hasUserText: boolean;
}

const textDecoder = new TextDecoder();

/**
 * The text of a `text/*` file part (inline bytes or base64), in a prompt or generated; other files
 * (images, audio, URLs) are not judged, as in the HTTP middleware.
 */
export function fileText(part: Pick<LanguageModelV3FilePart, 'mediaType' | 'data'>): string {
  if (!part.mediaType.toLowerCase().startsWith('text/')) return '';
  if (part.data instanceof Uint8Array) return textDecoder.decode(part.data);
  if (typeof part.data === 'string') return textDecoder.decode(Buffer.from(part.data, 'base64'));
  return '';
}

/** Parts are joined with no separator, as the model reads them: `'a bo' + 'mb'` is judged as `a bomb`. */
function userText(content: ReadonlyArray<LanguageModelV3TextPart | LanguageModelV3FilePart>): string {
  return content.map((part) => (part.type === 'text' ? part.text : fileText(part))).join('');
}

/** The text a tool result hands the model. */
export function toolOutputText(output: LanguageModelV3ToolResultOutput): string {
  switch (output.type) {
    case 'text':
    case 'error-text':
      return output.value;
    case 'json':
    case 'error-json':
      return JSON.stringify(output.value);
    case 'execution-denied':
      return output.reason ?? '';
    case 'content':
      return output.value.map((item) => (item.type === 'text' ? item.text : '')).join('');
    default:
      return output satisfies never;
  }
}

/**
 * The conversation to judge for a call's input: system messages are left out (as the HTTP
 * middleware leaves them out), earlier turns are context, and the last user message is the judged
 * turn. What follows it is input the model is about to read, so it joins that turn: assistant text
 * (a prefill, or the text of an earlier step of a tool loop) and, with `toolResults`, tool results.
 * @example
 * promptConversation(params.prompt, { toolResults: true }).messages; // [..., { role: 'user', content: 'How do I ...' }]
 */
export function promptConversation(
  prompt: LanguageModelV3Prompt,
  options: { toolResults: boolean },
): PromptConversation {
  let lastUser = -1;
  prompt.forEach((message, index) => {
    if (message.role === 'user') lastUser = index;
  });
  const messages: Message[] = [];
  const judged: string[] = [];
  prompt.forEach((message, index) => {
    if (message.role === 'system') return;
    if (message.role === 'user') {
      const text = userText(message.content);
      if (index === lastUser) judged.push(text);
      else if (text) messages.push({ role: 'user', content: text });
      return;
    }
    if (message.role === 'assistant') {
      const text = message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
      // After the last user message, assistant text is input too (a prefill the model continues).
      if (index > lastUser) judged.push(text);
      else if (text) messages.push({ role: 'assistant', content: text });
      return;
    }
    if (index < lastUser || !options.toolResults) return;
    for (const part of message.content) {
      if (part.type === 'tool-result') judged.push(toolOutputText(part.output));
    }
  });
  const content = judged.filter((text) => text.trim() !== '').join('\n\n');
  if (content) messages.push({ role: 'user', content });
  return { messages, hasUserText: content !== '' };
}

/**
 * The answer's text to judge, in order: text, and by option reasoning, tool-call arguments
 * (`toolName` and its JSON input) and provider-executed tool results; generated `text/*` files
 * too. One block per paragraph.
 * @example
 * answerText(result.content, { toolCalls: true, reasoning: true, toolResults: true }); // 'Sure.\n\nsearch {"query":"..."}'
 */
export function answerText(
  content: readonly LanguageModelV3Content[],
  options: { toolCalls: boolean; reasoning: boolean; toolResults: boolean },
): string {
  const blocks: string[] = [];
  for (const part of content) {
    if (part.type === 'text') blocks.push(part.text);
    else if (part.type === 'reasoning' && options.reasoning) blocks.push(part.text);
    else if (part.type === 'tool-call' && options.toolCalls) blocks.push(`${part.toolName} ${part.input}`);
    else if (part.type === 'file') blocks.push(fileText(part));
    else if (part.type === 'tool-result' && options.toolResults) {
      blocks.push(`${part.toolName} ${JSON.stringify(part.result)}`);
    }
  }
  return blocks.filter((text) => text.trim() !== '').join('\n\n');
}
