export type { ProbabilitySource } from './answer-logprobs.js';
export { createRemoteEngine, type RemoteEngine, type RemoteScoreResult } from './remote-engine.js';
export {
  type RemoteEngineConfig,
  type RemoteEngineFileBlock,
  type RemoteEngineOptions,
  type RemotePromptFormat,
  type RemoteTokenizer,
  remoteConfigFromFile,
  remoteEngineConfigSchema,
  remoteEngineFileSchema,
  remoteEngineOptionsSchema,
} from './remote-options.js';
