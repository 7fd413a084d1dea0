// The text an LLM upstream reads from a parsed request body, by API path: what the request-side
// differential suite requires Vigil to have judged. Left out as Vigil documents it (docs/guide/classify.md, "What
// is judged"): system, developer and tool messages, Responses `instructions`, Anthropic `system`.

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const LEFT_OUT_ROLES = /^(system|developer|tool)$/i;

/** A content value's text: a string, or its parts' text (text, document and search-result blocks). */
function contentTexts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((part): string[] => {
    if (typeof part === 'string') return [part];
    if (!isRecord(part)) return [];
    const texts: string[] = [];
    if (typeof part.text === 'string') texts.push(part.text);
    // Anthropic `document` (a text source) and `search_result` blocks.
    if (isRecord(part.source) && typeof part.source.data === 'string') texts.push(part.source.data);
    if (Array.isArray(part.content)) texts.push(...contentTexts(part.content));
    return texts;
  });
}

/** The texts of messages an LLM is given (not the left-out roles). */
function messageTexts(messages: unknown): string[] {
  if (!Array.isArray(messages)) return [];
  return messages.flatMap((message) => {
    if (typeof message === 'string') return [message];
    if (!isRecord(message)) return [];
    const role: unknown = message.role;
    if (typeof role === 'string' && LEFT_OUT_ROLES.test(role.trim())) return [];
    return contentTexts(message.content);
  });
}

const strings = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.filter((item) => typeof item === 'string')
      : [];

/**
 * The texts an LLM upstream at `path` reads from `body` as its parser gave it: chat `messages`,
 * completions `prompt` and `suffix`, Responses `input`, Anthropic `messages`, a `{ prompt }`
 * field elsewhere; a text body is read as JSON when it is, else as the prompt.
 */
export function llmTexts(path: string, body: unknown): string[] {
  if (typeof body === 'string') {
    // A text body (Express's `text()`, Fastify's text/plain): JSON to an API handler, else a prompt.
    try {
      return llmTexts(path, JSON.parse(body.replace(/^\uFEFF/, '')));
    } catch {
      return [body];
    }
  }
  if (!isRecord(body)) return [];
  if (path.endsWith('/chat/completions') || path.endsWith('/messages')) return messageTexts(body.messages);
  if (path.endsWith('/completions')) return [...strings(body.prompt), ...strings(body.suffix)];
  if (path.endsWith('/responses'))
    return typeof body.input === 'string' ? [body.input] : messageTexts(body.input);
  return strings(body.prompt);
}
