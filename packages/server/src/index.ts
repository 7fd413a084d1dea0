export { ApiError, type ApiErrorBody, type ApiErrorType } from './api-error.js';
export { createModerationApp } from './create-moderation-app.js';
export type { ModerationAppOptions, ProxyOptions, RequestLogger } from './moderation-app-options.js';
export { type ModerationServer, startModerationServer } from './start-server.js';
