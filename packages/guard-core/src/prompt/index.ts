export { renderBuiltinPrompt, type TemplateVariables } from './builtin-template.js';
export {
  createPromptRenderer,
  type PromptRenderer,
  type PromptSegments,
  type PromptSource,
} from './renderer.js';
