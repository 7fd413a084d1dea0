export { type ChatAppOptions, createChatApp } from './chat-app.js';
export { createGenerator, defaultDraftModel, defaultGeneratorModel } from './create-generator.js';
export type {
  ChatMessage,
  ChatOptions,
  ChatPiece,
  ChatResult,
  ChatUsage,
  DraftModelOptions,
  DraftUsage,
  FinishReason,
  Generator,
  GeneratorGuard,
  GeneratorMemory,
  GeneratorMode,
  GeneratorModelInfo,
  GeneratorOptions,
  RefusalContext,
  VerdictEvent,
} from './types.js';
