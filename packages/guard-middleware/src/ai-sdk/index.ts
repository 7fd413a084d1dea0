/**
 * `@vigil/guard-middleware/ai-sdk`: Llama Guard as a Vercel AI SDK (`ai@6`) language model
 * middleware. `ai` is an optional peer dependency: install it to use this subpath.
 */
export { VigilContentFilterError } from '@vigil/guard-core';
export type { VigilAction, VigilDecision } from '../core/decision.js';
export type { FailMode } from '../core/options.js';
export type { VigilJudgeOptions, VigilMiddlewareOptions } from './options.js';
export { vigilMiddleware } from './vigil-middleware.js';
