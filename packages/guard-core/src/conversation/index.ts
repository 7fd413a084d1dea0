export { type NormalizeOptions, normalizeConversation } from './normalize.js';
export * from './types.js';
