import type {
  JSONObject,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
  SharedV3ProviderMetadata,
} from '@ai-sdk/provider';

/** The finish reason of a blocked answer. */
export const contentFilterFinish: LanguageModelV3FinishReason = { unified: 'content-filter', raw: 'vigil' };

/** Usage of an answer the provider never produced (or that was cut before its usage arrived). */
export const unknownUsage: LanguageModelV3Usage = {
  inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: undefined, text: undefined, reasoning: undefined },
};

/** `providerMetadata` with `vigil` set (merged over what the provider gave). */
export function withVigil(
  metadata: SharedV3ProviderMetadata | undefined,
  vigil: JSONObject | undefined,
): SharedV3ProviderMetadata | undefined {
  if (!vigil) return metadata;
  return { ...metadata, vigil };
}

/** A generate result that answers with a refusal instead of the model. */
export function refusalResult(text: string, vigil: JSONObject | undefined): LanguageModelV3GenerateResult {
  const providerMetadata = withVigil(undefined, vigil);
  return {
    content: [{ type: 'text', text }],
    finishReason: contentFilterFinish,
    usage: unknownUsage,
    warnings: [],
    ...(providerMetadata ? { providerMetadata } : {}),
  };
}

/** The parts of a refusal as one text block. */
export function refusalParts(text: string, id = 'vigil-refusal'): LanguageModelV3StreamPart[] {
  return [
    { type: 'text-start', id },
    { type: 'text-delta', id, delta: text },
    { type: 'text-end', id },
  ];
}

/** A stream result that answers with a refusal instead of the model. */
export function refusalStream(text: string, vigil: JSONObject | undefined): LanguageModelV3StreamResult {
  const providerMetadata = withVigil(undefined, vigil);
  const parts: LanguageModelV3StreamPart[] = [
    { type: 'stream-start', warnings: [] },
    ...refusalParts(text),
    {
      type: 'finish',
      finishReason: contentFilterFinish,
      usage: unknownUsage,
      ...(providerMetadata ? { providerMetadata } : {}),
    },
  ];
  return {
    stream: new ReadableStream({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
        controller.close();
      },
    }),
  };
}

/** A stream result whose `finish` part carries `vigil` in its `providerMetadata` (the stream is not judged). */
export function annotateFinish(
  result: LanguageModelV3StreamResult,
  vigil: JSONObject | undefined,
): LanguageModelV3StreamResult {
  if (!vigil) return result;
  const stream = result.stream.pipeThrough(
    new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
      transform(part, controller) {
        if (part.type !== 'finish') return controller.enqueue(part);
        const providerMetadata = withVigil(part.providerMetadata, vigil);
        controller.enqueue({ ...part, ...(providerMetadata ? { providerMetadata } : {}) });
      },
    }),
  );
  return { ...result, stream };
}
