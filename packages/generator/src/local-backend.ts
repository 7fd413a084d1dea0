import path from 'node:path';
import { type DownloadProgress, messageText, VigilModelError } from '@vigil/guard-core';
import { getSharedLlama, openModel, resolveModel } from '@vigil/guard-core/internal';
import type { ChatHistoryItem, ChatWrapper, LlamaChat } from 'node-llama-cpp';
import { checkDraft, type Drafting, draftUsageSince } from './draft-model.js';
import type { DraftOption } from './generator-options.js';
import type { ChatBackend, ChatMessage, GenerateRequest, GenerateResult } from './types.js';

export interface LocalBackendOptions {
  modelsDir?: string | undefined;
  onDownloadProgress?: ((progress: DownloadProgress) => void) | undefined;
  model: string;
  threads?: number | undefined;
  contextSize: number;
  concurrency: number;
  draft: DraftOption;
}

/** OpenAI-style messages as node-llama-cpp's chat history (ending with the user turn to answer). */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  return messages.map((message): ChatHistoryItem => {
    const text = messageText(message);
    switch (message.role) {
      case 'system':
      case 'developer':
        return { type: 'system', text };
      case 'user':
        return { type: 'user', text };
      case 'assistant':
        return { type: 'model', response: [text] };
      default:
        return message.role satisfies never;
    }
  });
}

/**
 * The node-llama-cpp backend: the chat model on the process's shared llama.cpp runtime (the one
 * the guard uses), one context with `concurrency` sequences, one `LlamaChat` per sequence (so a
 * growing conversation reuses its sequence's KV cache), the GGUF's own Jinja chat template.
 */
export async function createLocalBackend(options: LocalBackendOptions): Promise<ChatBackend> {
  // The file first: a missing model or no network fails before the native runtime loads.
  const modelPath = await resolveModel(options.model, {
    modelsDir: options.modelsDir,
    onDownloadProgress: options.onDownloadProgress,
    localHint:
      "pass a local GGUF file instead: createGenerator({ model: '/path/to/model.gguf' }) or VIGIL_GENERATOR_MODEL=/path/to/model.gguf",
  });
  // The draft's file and its tokenizer, before any model is loaded.
  const draft =
    options.draft === false
      ? undefined
      : await checkDraft(options.draft, { model: options.model, path: modelPath }, options);
  const nlc = await import('node-llama-cpp');
  const llama = await getSharedLlama();
  const threads = options.threads ?? Math.max(1, llama.cpuMathCores);
  const { model, context } = await openModel({
    llama,
    modelPath,
    label: `generator model '${options.model}'`,
    context: {
      sequences: options.concurrency,
      contextSize: options.contextSize,
      threads,
    },
  });
  let drafting: Drafting | undefined;
  try {
    drafting = await draft?.load({
      llama,
      contextSize: context.contextSize,
      sequences: options.concurrency,
      threads,
    });
  } catch (error) {
    await context.dispose();
    await model.dispose();
    throw error;
  }
  const template = model.fileInfo.metadata.tokenizer?.chat_template;
  let chatWrapper: ChatWrapper;
  try {
    chatWrapper = template ? new nlc.JinjaTemplateChatWrapper({ template }) : nlc.resolveChatWrapper(model);
  } catch (error) {
    await drafting?.dispose();
    await context.dispose();
    await model.dispose();
    throw new VigilModelError(
      `generator model '${options.model}': its chat template cannot be used: ${(error as Error).message}`,
      { cause: error },
    );
  }
  // llama.cpp's estimate of the context's RAM (KV cache of every sequence plus compute buffers).
  const contextBytes = await model.fileInsights
    .estimateContextResourceRequirementsV2({
      contextSize: context.contextSize,
      sequences: options.concurrency,
      modelGpuLayers: 0,
      batchSize: context.batchSize,
    })
    .then((estimate) => estimate.cpuRam)
    .catch(() => context.stateSize);
  const chats: LlamaChat[] = [];
  for (let index = 0; index < options.concurrency; index++) {
    // A sequence with a predictor: the chat model checks its guesses in the same decode.
    const contextSequence = context.getSequence({ tokenPredictor: drafting?.predictor() });
    chats.push(new nlc.LlamaChat({ contextSequence, chatWrapper }));
  }

  function promptTokens(history: ChatHistoryItem[]) {
    const { contextText } = chatWrapper.generateContextState({
      chatHistory: [...history, { type: 'model', response: [] }],
    });
    return contextText.tokenize(model.tokenizer).length;
  }

  async function generate(slot: number, request: GenerateRequest): Promise<GenerateResult> {
    const chat = chats[slot];
    if (!chat) throw new RangeError(`generate: no sequence ${slot}`);
    const history = toChatHistory(request.messages);
    return generateOn(chat, history, promptTokens(history), drafting, request);
  }

  let disposed = false;
  return {
    model: {
      name: path.basename(modelPath).replace(/\.gguf$/i, ''),
      path: modelPath,
      contextSize: context.contextSize,
      template: template ? 'gguf' : 'builtin',
      draft: drafting?.name,
    },
    sequences: options.concurrency,
    generate,
    memory: () => ({
      modelBytes: model.size,
      contextBytes: disposed ? 0 : contextBytes,
      ...(drafting?.memory() && { draft: drafting.memory() }),
    }),
    async dispose() {
      if (disposed) return;
      disposed = true;
      for (const chat of chats) chat.dispose({ disposeSequence: true });
      await context.dispose();
      await model.dispose();
      await drafting?.dispose();
    },
  };
}

/** One answer on one sequence's chat: its text to `request.onText`, its tokens counted. */
async function generateOn(
  chat: LlamaChat,
  history: ChatHistoryItem[],
  promptTokens: number,
  drafting: Drafting | undefined,
  request: GenerateRequest,
): Promise<GenerateResult> {
  let completionTokens = 0;
  const predictionsBefore = chat.sequence.tokenPredictions;
  const draftUsage = () => (drafting ? { draft: draftUsageSince(chat.sequence, predictionsBefore) } : {});
  try {
    const response = await chat.generateResponse(history, {
      onTextChunk: request.onText,
      onToken: (tokens) => {
        completionTokens += tokens.length;
      },
      signal: request.signal,
      stopOnAbortSignal: true,
      maxTokens: request.maxTokens,
      temperature: request.temperature,
      topP: request.topP,
      seed: request.seed,
      repeatPenalty: false,
      customStopTriggers: request.stop.length > 0 ? request.stop : undefined,
    });
    const reason = response.metadata.stopReason;
    const stopReason = reason === 'maxTokens' ? 'length' : reason === 'abort' ? 'abort' : 'stop';
    return { stopReason, promptTokens, completionTokens, ...draftUsage() };
  } catch (error) {
    // An abort before the first token throws the signal's reason: not a failure here.
    if (request.signal.aborted)
      return { stopReason: 'abort', promptTokens, completionTokens, ...draftUsage() };
    throw error;
  }
}
