export type { ProbabilitySource } from '../types.js';
export { createRemoteEngine, type RemoteEngine } from './remote-engine.js';
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
