/** One part of an OpenAI-style message content list. Only text parts are judged. */
export type ContentPart =
  | { type: 'text' | 'input_text' | 'output_text'; text: string }
  | { type: string; [key: string]: unknown };

/**
 * An OpenAI-style chat message. Roles are read case-insensitively, with aliases (`human` is a
 * user; `ai`, `bot`, `model`, `gpt` an assistant). `system`, `developer` and `tool` messages are
 * accepted but are not turns Llama Guard judges: they are left out of the conversation.
 */
export interface Message {
  role: string;
  content: string | readonly ContentPart[] | null | undefined;
  name?: string | undefined;
}

export type JudgedRole = 'user' | 'assistant';

/** A normalized turn: consecutive messages of one role joined, only their text kept. */
export interface Turn {
  role: JudgedRole;
  /**
   * The turn's text as one part (its messages' texts joined, see `messageText`), or none when no
   * message of the turn has text parts (and for the synthetic user turn before an
   * assistant-first chat).
   */
  parts: string[];
  /** Index of the first input message this turn came from; -1 for a synthetic turn. */
  messageIndex: number;
}

/** Alternating user/assistant turns, starting with a user turn, ending with the judged one. */
export interface Conversation {
  turns: Turn[];
  /** The role of the last turn: the one Llama Guard judges. */
  role: JudgedRole;
}
