export { createScriptedEngine, type ScriptedEngineOptions, type ScriptedRule } from './scripted-engine.js';
