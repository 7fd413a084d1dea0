export {
  forgedBoundaries,
  forgedPieces,
  forgedTurnVariants,
  maxForgedPieces,
} from './forged-turns.js';
export {
  type JudgedTurn,
  type JudgedTurnsOptions,
  judgedTurns,
  type MessageRun,
  messageRuns,
} from './judged-turns.js';
export { hasJudgedText, messageSeparator, messageText, partSeparator } from './message-text.js';
export { type NormalizeOptions, normalizeConversation } from './normalize.js';
export { prefillOf, withAnswer } from './prefill.js';
export { isPythonWhitespace, pythonStrip } from './python-strip.js';
export { acceptedRoles, type RoleKind, roleKind } from './roles.js';
export * from './types.js';
