const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function partsText(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((part) =>
    isObject(part) && typeof part.text === 'string' && part.type !== 'reasoning' ? [part.text] : [],
  );
}

/**
 * The assistant text of a JSON response body: OpenAI chat completions
 * (`choices[].message.content`), completions (`choices[].text`), responses (`output[]` message
 * items' `output_text` parts) and Anthropic messages (`content[]` text blocks). Several choices
 * are joined by blank lines. Returns `undefined` when the body has none of these.
 * @example
 * extractResponseText({ choices: [{ message: { role: 'assistant', content: 'Hello!' } }] }); // 'Hello!'
 */
export function extractResponseText(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  let texts: string[] | undefined;
  if (Array.isArray(body.choices)) {
    texts = body.choices.flatMap((choice) => {
      if (!isObject(choice)) return [];
      if (isObject(choice.message)) return partsText(choice.message.content);
      return typeof choice.text === 'string' ? [choice.text] : [];
    });
  } else if (Array.isArray(body.output)) {
    texts = body.output.flatMap((item) =>
      isObject(item) && item.type === 'message' ? partsText(item.content) : [],
    );
  } else if (Array.isArray(body.content) && body.type === 'message') {
    texts = partsText(body.content);
  }
  return texts?.join('\n\n');
}
