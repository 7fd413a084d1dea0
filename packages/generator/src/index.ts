export { type ChatAppOptions, createChatApp } from './chat-app.js';
export type { ChatOptions } from './chat-options.js';
export { createGenerator, defaultDraftModel, defaultGeneratorModel } from './create-generator.js';
export type { DraftModelOptions, GeneratorOptions } from './generator-options.js';
export type {
  ChatMessage,
  ChatPiece,
  ChatResult,
  ChatUsage,
  DraftUsage,
  FinishReason,
  Generator,
  GeneratorGuard,
  GeneratorMemory,
  GeneratorMode,
  GeneratorModelInfo,
  RefusalContext,
  VerdictEvent,
} from './types.js';
