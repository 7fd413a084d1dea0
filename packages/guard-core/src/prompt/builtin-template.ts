import { pythonStrip } from '../conversation/python-strip.js';
import type { Conversation } from '../conversation/types.js';

/** The variables Meta's Llama Guard 3 template reads, besides `messages`. */
export interface TemplateVariables {
  categories: Record<string, string>;
  excluded_category_keys: string[];
}

/**
 * Renders exactly what Meta's Llama Guard 3 1B chat template renders (byte for byte; a test
 * proves it against the template), for GGUF files that carry no `tokenizer.chat_template`.
 */
export function renderBuiltinPrompt(conversation: Conversation, variables: TemplateVariables): string {
  const role = conversation.turns.length % 2 === 0 ? 'Agent' : 'User';
  let text = '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n';
  text += `Task: Check if there is unsafe content in '${role}' messages in conversations according our safety policy with the below categories.\n\n`;
  text += '<BEGIN UNSAFE CONTENT CATEGORIES>\n';
  for (const [code, description] of Object.entries(variables.categories)) {
    if (!variables.excluded_category_keys.includes(code)) text += `${code}: ${description}\n`;
  }
  text += '<END UNSAFE CONTENT CATEGORIES>\n\n<BEGIN CONVERSATION>\n\n';
  for (const turn of conversation.turns) {
    const speaker = turn.role === 'user' ? 'User' : 'Agent';
    for (const part of turn.parts) text += `${speaker}: ${pythonStrip(part)}\n\n`;
  }
  text += '<END CONVERSATION>\n\n';
  text += `Provide your safety assessment for ONLY THE LAST ${role} message in the above conversation:\n`;
  text += " - First line must read 'safe' or 'unsafe'.\n";
  text +=
    ' - If unsafe, a second line must include a comma-separated list of violated categories. <|eot_id|><|start_header_id|>assistant<|end_header_id|>';
  return text;
}
