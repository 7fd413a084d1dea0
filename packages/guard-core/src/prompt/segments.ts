/**
 * A Llama Guard prompt cut into three pieces that tokenize, one by one, exactly as the whole
 * string does: the fixed part before the conversation (same for every call with this policy and
 * role), the conversation (tokenized as plain text: nothing a user writes becomes a special
 * token), and the fixed tail, which ends with the `\n\n` the model would otherwise emit first,
 * so the next token is the verdict. A leaf type: engines take it without importing the renderer.
 */
export interface PromptSegments {
  prefix: string;
  conversation: string;
  tail: string;
}
